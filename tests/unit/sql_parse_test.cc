// SQL as PostgreSQL's own parser (libpg_query) sees it: statements, lines, transaction control from the
// tree, bytes that must never reach the server, and expressions that must stay expressions.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "sql/sql_check.h"
#include "sql/sql_migrations.h"
#include "sql/server_wide.h"
#include "util/sql_split.h"

using namespace orch;
namespace fs = std::filesystem;

TEST(SqlParse, BeginAtomicBodiesAreOneStatementAndNotTransactionControl) {
  auto st = parse_sql(
      "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql\n"
      "BEGIN ATOMIC\n  SELECT a + b;\nEND;\n"
      "COMMIT;\n");
  ASSERT_TRUE(st) << st.error().text();
  ASSERT_EQ(st->size(), 2u);
  EXPECT_EQ((*st)[0].node, "CreateFunctionStmt");
  EXPECT_FALSE(is_transaction_control((*st)[0]));
  EXPECT_TRUE(is_transaction_control((*st)[1]));
  EXPECT_EQ((*st)[1].line, 5);
  // The splitter for no-transaction files keeps the body whole too.
  EXPECT_EQ(split_sql("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 2;").size(), 2u);
}

TEST(SqlParse, SyntaxErrorsHaveLineAndColumn) {
  auto st = parse_sql("CREATE TABLE a (id int);\nCREATE TABLE b (id int,);\n");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().where, "2:24");
  EXPECT_NE(st.error().message.find("syntax error"), std::string::npos) << st.error().message;
}

TEST(SqlParse, NulBytesAndInvalidUtf8AreRefusedWithTheirLine) {
  std::string nul = "SELECT 1;\nSELECT 2;\0DROP TABLE x;";
  nul.resize(30);
  auto a = check_text(nul);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().where, "2");
  EXPECT_EQ(a.error().message, "holds a NUL byte");
  auto b = check_text("SELECT 'caf\xC3\xA9';\nSELECT '\xFF';\n");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().where, "2");
  EXPECT_TRUE(check_text("SELECT 'café ✓ 𝄞';"));
  EXPECT_FALSE(check_text("\xC0\xAF"));  // overlong '/'
}

TEST(SqlParse, PolicyExpressionsMustStayOneExpression) {
  for (const char* ok : {"true", "user_id = auth.uid()", "body LIKE '%x%' OR owner IN (SELECT 1)", "(a) = (b)"})
    EXPECT_TRUE(check_expression(ok)) << ok;
  for (const char* bad : {"true); COMMIT; DROP TABLE public.victim; SELECT (1", "1) UNION SELECT (2",
                          "true) FROM pg_class WHERE (true", "", "1), (2", "true) LIMIT (1"}) {
    auto r = check_expression(bad);
    EXPECT_FALSE(r) << bad;
  }
}

TEST(SqlFiles, TransactionControlInATransactionalFileIsRefusedBeforeAnythingRuns) {
  fs::path dir = fs::temp_directory_path() / ("orch-txctl-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "0001_commit.sql") << "CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\n";
  std::ofstream(dir / "0002_fn.sql") << "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n";
  std::ofstream(dir / "0003_notx.sql") << "-- orchestrate:no-transaction\nCOMMIT;\n";
  {
    std::ofstream nul(dir / "0004_nul.sql", std::ios::binary);
    nul.write("SELECT 1;\n\0DROP TABLE x;\n", 25);
  }
  SqlMigrationSet set = read_sql_migrations(dir);
  fs::remove_all(dir);
  ASSERT_EQ(set.errors.size(), 2u);
  EXPECT_EQ(set.errors[0].find("0001_commit.sql:2: COMMIT is not allowed in a transactional file"), 0u) << set.errors[0];
  EXPECT_EQ(set.errors[1].find("0004_nul.sql:2: this line holds a NUL byte"), 0u) << set.errors[1];
  ASSERT_EQ(set.migrations.size(), 2u);  // the BEGIN ATOMIC function and the no-transaction file
}

// `check`'s gap warning says what sits between two versions when something does: a file refused (and
// why) or one never read; "nothing between" only when nothing is there (issue 22).
TEST(SqlFiles, AGapHoldingAnUnreadFileNamesItAndARefusedFileIsOnlyItsOwnError) {
  fs::path dir = fs::temp_directory_path() / ("orch-gap-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "007_dir");
  for (const char* f : {"003_a.sql", "005_b.sql", "006_c.sql", "008_d.sql", "010_e.sql", "012_f.sql"})
    std::ofstream(dir / f) << "SELECT 1;\n";
  std::ofstream(dir / "004_add_x.SQL") << "SELECT 1;\n";               // not .sql: never read
  std::ofstream(dir / "009_tx.sql") << "BEGIN;\nSELECT 1;\nCOMMIT;\n";  // refused
  std::ofstream(dir / "V011__flyway.sql") << "SELECT 1;\n";           // refused: no leading version
  auto findings = check_sql_files(dir, "web/sql");
  fs::remove_all(dir);
  std::map<std::string, std::string> gaps;  // where -> message
  for (const auto& f : findings)
    if (f.message.find("gap in versions") != std::string::npos) gaps[f.where] = f.message;
  ASSERT_EQ(gaps.size(), 2u);  // the refused files' own errors say why; their gaps are not warned about again
  EXPECT_EQ(gaps["web/sql/005_b.sql"],
            "gap in versions between 003 and 005: 004_add_x.SQL is not read: only files ending in .sql are migrations "
            "(rename it NNNN_name.sql)");
  EXPECT_EQ(gaps["web/sql/008_d.sql"],
            "gap in versions between 006 and 008: 007_dir is a directory (migrations are files in " +
                dir.filename().string() + " itself)");
  EXPECT_EQ(gaps.count("web/sql/010_e.sql"), 0u) << gaps["web/sql/010_e.sql"];
  EXPECT_EQ(gaps.count("web/sql/012_f.sql"), 0u) << gaps["web/sql/012_f.sql"];
  size_t tx_errors = 0;
  for (const auto& f : findings) tx_errors += f.where == "web/sql/009_tx.sql:1";
  EXPECT_EQ(tx_errors, 1u);
  // A gap with nothing in it keeps its plain words.
  fs::create_directories(dir);
  for (const char* f : {"001_a.sql", "003_b.sql"}) std::ofstream(dir / f) << "SELECT 1;\n";
  auto plain = check_sql_files(dir, "s");
  fs::remove_all(dir);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].message, "gap in versions: nothing between 001 and 003");
}

// A rehearsal on the target's own server judges a no-transaction file's statements before they run.
TEST(ServerWide, RolesDatabasesAndTablespacesAreServerWideTablesAreNot) {
  auto judge = [](const std::string& sql) { return server_wide_statement(split_sql(sql).at(0)); };
  EXPECT_EQ(judge("ALTER ROLE app NOLOGIN").value_or(""), "ALTER ROLE");
  EXPECT_EQ(judge("CREATE ROLE reporting").value_or(""), "CREATE ROLE");
  EXPECT_EQ(judge("GRANT reader TO app").value_or(""), "GRANT/REVOKE a role");
  EXPECT_EQ(judge("GRANT CONNECT ON DATABASE prod TO app").value_or(""), "GRANT/REVOKE on a DATABASE");
  EXPECT_EQ(judge("COMMENT ON ROLE app IS 'x'").value_or(""), "COMMENT on a ROLE");
  EXPECT_TRUE(judge("DO $$BEGIN NULL; END$$").has_value());
  EXPECT_EQ(judge("ALTER ROLE app RENAME TO app2").value_or(""), "RENAME on a ROLE");
  EXPECT_EQ(judge("ALTER DATABASE prod OWNER TO app").value_or(""), "OWNER TO on a DATABASE");
  EXPECT_TRUE(judge("REASSIGN OWNED BY a TO b").has_value());
  EXPECT_TRUE(judge("DROP OWNED BY a").has_value());
  EXPECT_FALSE(judge("ALTER TABLE t RENAME TO u").has_value());
  EXPECT_FALSE(judge("ALTER TABLE t OWNER TO app").has_value());
  EXPECT_FALSE(judge("GRANT SELECT ON t TO app").has_value());
  EXPECT_FALSE(judge("COMMENT ON TABLE t IS 'x'").has_value());
  EXPECT_FALSE(judge("CREATE INDEX CONCURRENTLY i ON t (a)").has_value());
}

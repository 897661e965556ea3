// SQL as PostgreSQL's own parser (libpg_query) sees it: statements, lines, transaction control from the
// tree, bytes that must never reach the server, and expressions that must stay expressions.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sql/sql_migrations.h"
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

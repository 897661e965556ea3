// One SQL-file applier (plugins/sql/sql_steps.h): the steps `up` executes on a Db are the statements
// `plan --sql` prints, for a transactional file, a no-transaction file and the ledger's creation.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fake_db.h"
#include "sql/sql_kind.h"
#include "sql/sql_ledger.h"
#include "sql/sql_migrations.h"
#include "sql/sql_steps.h"
#include "util/sql_text.h"

using namespace orch;
namespace fs = std::filesystem;

namespace {

struct Files {
  fs::path dir = fs::temp_directory_path() / ("orch-steps-" + std::to_string(::getpid()));
  Files() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "0001_create.sql") << "CREATE TABLE meals (id int);\nINSERT INTO meals VALUES (1);\n";
    std::ofstream(dir / "0002_index.sql") << "-- orchestrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON meals (id);\n";
  }
  ~Files() { fs::remove_all(dir); }
  ServiceSpec spec() const {
    ServiceSpec s;
    s.name = "meals";
    s.schema = "meals";
    s.path = dir;
    s.path_text = "meals";
    s.version_schema = "ledgers";
    s.version_table = "orchestrate_migrations";
    return s;
  }
};

const QuoteFn quote = [](const std::string& x) { return "\"" + x + "\""; };

// The statements the executor sent, in order, parameters inlined the way the printer inlines them.
std::vector<std::string> executed(const orch::testing::FakeDb& db) {
  std::vector<std::string> out;
  for (const auto& e : db.log) {
    std::vector<std::string> literals;
    for (const auto& p : e.params) literals.push_back(sql_literal(p.value_or("")));
    for (const auto& st : split_sql(inline_parameters(e.sql, literals))) {
      // The transaction and the run's limits are the executor's, not the file's.
      if (st.keyword == "BEGIN" || st.keyword == "COMMIT" || st.text.find("lock_timeout") != std::string::npos ||
          st.text.find("statement_timeout") != std::string::npos ||
          st.text.find("client_connection_check_interval") != std::string::npos)
        continue;
      out.push_back(st.text);
    }
  }
  return out;
}

// The statements a psql script holds, in order, without BEGIN/COMMIT (the executor's transaction).
std::vector<std::string> printed(const std::string& script) {
  std::vector<std::string> out;
  for (const auto& st : split_sql(script))
    if (st.keyword != "BEGIN" && st.keyword != "COMMIT") out.push_back(st.text);
  return out;
}

}  // namespace

TEST(SqlSteps, UpExecutesTheStatementsPlanPrints) {
  Files f;
  const ServiceSpec s = f.spec();
  SqlMigrationSet set = read_sql_migrations(f.dir);
  ASSERT_EQ(set.migrations.size(), 2u);
  const SqlApplyRules rules{&orchestrate_ledger(), true};
  for (const auto& m : set.migrations) {
    const FileSteps steps = file_steps(s, m, rules, "ann@host (orchestrate, run r1)", quote);
    orch::testing::FakeDb db;
    size_t next = 0;
    int line = 1;
    execute_steps(db, steps, s.locks, next, line);
    const std::string script = render_steps(steps, sql_literal);
    EXPECT_EQ(executed(db), printed(script)) << script;
    EXPECT_EQ(db.count("INSERT INTO \"ledgers\".\"orchestrate_migrations\""), 1);
    // A transactional file is one round trip: its statements and its row in one message.
    if (!m.no_transaction) {
      EXPECT_EQ(db.log.size(), 1u);
    }
    // A transactional file and its row commit together; a no-transaction file's row has its own.
    EXPECT_EQ(script.rfind("BEGIN;\n", 0) == 0, !m.no_transaction) << script;
  }
}

TEST(SqlSteps, TheLedgerIsCreatedWithTheServiceSchemaByUpPlanAndBaseline) {
  Files f;
  const ServiceSpec s = f.spec();
  const auto prepare = prepare_steps(s, SqlApplyRules{&orchestrate_ledger(), true}, quote);
  ASSERT_EQ(prepare.size(), 3u);
  EXPECT_EQ(prepare[0], "CREATE SCHEMA IF NOT EXISTS \"meals\"");
  EXPECT_EQ(prepare[1], "CREATE SCHEMA IF NOT EXISTS \"ledgers\"");
  EXPECT_EQ(prepare[2].rfind("CREATE TABLE IF NOT EXISTS \"ledgers\".\"orchestrate_migrations\"", 0), 0u);

  // baseline runs the same statements on its session, then one row per file.
  orch::testing::FakeDb db;
  db.on("ON CONFLICT", orch::testing::FakeDb::rows({{"1"}}));
  StepContext ctx{db, "", "r1", [](const std::string&) {}};
  ASSERT_TRUE(SqlKind().baseline(s, "head", false, ctx));
  ASSERT_GE(db.log.size(), 3u);
  for (size_t i = 0; i < prepare.size(); ++i) EXPECT_EQ(db.log[i].sql, prepare[i]);
  EXPECT_EQ(db.count("ON CONFLICT (version) DO NOTHING"), 2);

  // plan --sql prints them first.
  ServiceStatus st;
  st.pending = {"0001"};
  auto plan = SqlKind().offline_sql(s, st, "");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->rfind(render_prepare(prepare), 0), 0u) << *plan;
}

TEST(SqlSteps, TheStatementsALedgerKeepsAreTheFilesAsSupabaseSplitsThem) {
  SqlMigration m;
  m.contents = "-- the table\nCREATE TABLE t (id int);\n\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- end\n";
  EXPECT_EQ(ledger_statements(m), (std::vector<std::string>{"-- the table\nCREATE TABLE t (id int)",
                                                            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                                                            "-- end"}));
}

TEST(SqlSteps, ABeforeCommitHookGetsTheOpenTransactionAndCommitIsItsOwnTrip) {
  Files f;
  const ServiceSpec s = f.spec();
  SqlMigrationSet set = read_sql_migrations(f.dir);
  const FileSteps steps = file_steps(s, set.migrations[0], SqlApplyRules{&orchestrate_ledger(), true}, "ann", quote);
  orch::testing::FakeDb db;
  size_t next = 0;
  int line = 1;
  size_t seen_at = 0;
  execute_steps(db, steps, s.locks, next, line, [&](Tx&, const SqlMigration& m) {
    EXPECT_EQ(m.version, 1);
    seen_at = db.log.size();
  });
  ASSERT_GT(seen_at, 0u);
  EXPECT_EQ(db.log.back().sql, "COMMIT");
  EXPECT_EQ(seen_at, db.log.size() - 1);  // nothing but COMMIT after the hook
}

TEST(SqlSteps, InlinedValuesAreNeverSubstitutedAgain) {
  EXPECT_EQ(inline_parameters("VALUES ($1, $2)", {"'$2'", "'b'"}), "VALUES ('$2', 'b')");
}

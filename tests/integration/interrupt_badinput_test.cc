// Ctrl-C while waiting (for the run lock, for a table lock in the RLS phase), and the bad inputs that
// used to abort the process or pass `check`: the real binary on a real PostgreSQL.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "db/run_lock.h"
#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

std::string sql_manifest(const std::string& project, const std::string& extra = "") {
  return "[project]\nname = \"" + project + "\"\ndatabase = \"env:DATABASE_URL\"\n\n"
         "[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \"s\"\n" + extra;
}

}  // namespace

TEST(Interrupt, CtrlCWhileWaitingForTheRunLockExits130AtOnceAndRecordsNothing) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lockwait-sigint");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", sql_manifest("waiter"));
  // A foreign holder of the project's run lock.
  auto holder = db.connect();
  pqxx::nontransaction h(*holder);
  h.exec_params("SELECT pg_advisory_lock($1, $2)", orch::RunLock::class_key(), orch::RunLock::object_key("waiter"));
  Orchestrate run({"up", "--lock-wait", "40s"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto [r, took] = signal_when(run, "waiting up to 40.0s for the run lock", 1s, SIGINT);
  EXPECT_LT(took, 1s);
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_NE(r.output.find("interrupted while waiting for the run lock; nothing was started"), std::string::npos)
      << r.output;
  EXPECT_FALSE(db.table_exists("s.t"));
  // The run never started: no history schema, no row.
  EXPECT_EQ(db.scalar("SELECT to_regclass('orchestrate.runs') IS NULL"), "t");
}

TEST(Interrupt, CtrlCWhileTheRlsPhaseWaitsForATableLockExits130) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-sigint");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int, user_id text);\n");
  dir.write("services.toml", sql_manifest("rlswait") + R"(
[rls]
require = ["s"]

[[rls.policy]]
name = "owner"
schemas = ["s"]
using = "true"
)");
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  // Drift (so the phase runs again), then a long transaction holding a lock on the table.
  db.exec("DROP POLICY owner ON s.t");
  OpenTransaction hold(db);
  hold.exec("LOCK TABLE s.t IN ACCESS SHARE MODE");
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto [r, took] = signal_when(run, "RLS phase: applying policies", 1s, SIGINT);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_NE(r.output.find("the RLS phase was rolled back"), std::string::npos) << r.output;
}

TEST(BadInput, AVersionPastSixtyFourBitsIsAFindingNotAnAbort) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("bigversion");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("s/99999999999999999999_x.sql", "SELECT 1;\n");
  dir.write("services.toml", sql_manifest("big"));
  auto check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 3) << check.output;
  EXPECT_NE(check.output.find("99999999999999999999_x.sql"), std::string::npos) << check.output;
  for (auto args : {std::vector<std::string>{"status"}, {"plan"}, {"up"}}) {
    auto r = run_orchestrate(args, {{"DATABASE_URL", db.url()}}, dir.path());
    EXPECT_NE(r.code, 134) << args[0] << "\n" << r.output;
    EXPECT_NE(r.output.find("99999999999999999999_x.sql"), std::string::npos) << args[0] << "\n" << r.output;
  }
  // up did not leave its history row running.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orchestrate.runs WHERE outcome = 'running'"), "0");
}

TEST(BadInput, DurationsPastTheMaximumAreUsageErrorsWithPositions) {
  TempDir dir("bigduration");
  dir.write("s/0001_t.sql", "SELECT 1;\n");
  dir.write("services.toml", sql_manifest("dur", "timeout = \"1h99999999999999999999m\"\n"));
  auto r = run_orchestrate({"check", "--offline"}, {{"DATABASE_URL", "postgresql://nowhere/db"}}, dir.path());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("services.toml:9:11"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("longer than the maximum of 7 days"), std::string::npos) << r.output;
  dir.write("services.toml", sql_manifest("dur"));
  auto flag = run_orchestrate({"up", "--lock-wait", "9999999999999h"}, {{"DATABASE_URL", "postgresql://nowhere/db"}},
                              dir.path());
  EXPECT_EQ(flag.code, 2) << flag.output;
  EXPECT_NE(flag.output.find("--lock-wait"), std::string::npos) << flag.output;
}

TEST(BadInput, CheckFindsWhatUpWouldTripOnInAlembicFiles) {
  TempDir dir("alembic-bad");
  dir.write("svc/alembic.ini", "[alembic]\nscript_location = migrations\n");
  auto rev = [](const std::string& body) { return "from alembic import op\n\n" + body + "\n\ndef upgrade():\n    pass\n"; };
  dir.write("svc/migrations/versions/001_base.py", rev("revision = '001'\ndown_revision = None"));
  dir.write("svc/migrations/versions/002_syntax.py", rev("revision = '002'\ndown_revision = '001'\nx = (1,"));
  dir.write("svc/migrations/versions/003_tuple.py", rev("revision = ('003',)\ndown_revision = '002'"));
  dir.write("services.toml",
            "[project]\nname = \"al\"\ndatabase = \"env:DATABASE_URL\"\n\n[runners.alembic]\n"
            "command = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n\n"
            "[services.svc]\nschema = \"svc\"\nrunner = \"alembic\"\npath = \"svc\"\n");
  auto r = run_orchestrate({"check", "--offline"}, {{"DATABASE_URL", "postgresql://nowhere/db"}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("002_syntax.py:5:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Python syntax error"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("003_tuple.py:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not a plain string"), std::string::npos) << r.output;

  // A revision named through a module-level constant is what Alembic reads: no finding.
  dir.write("svc/migrations/versions/002_syntax.py", rev("REV = '002'\nrevision = REV\ndown_revision = '001'"));
  dir.write("svc/migrations/versions/003_tuple.py", rev("revision = '003'\ndown_revision = '002'"));
  auto clean = run_orchestrate({"check", "--offline"}, {{"DATABASE_URL", "postgresql://nowhere/db"}}, dir.path());
  EXPECT_EQ(clean.code, 0) << clean.output;
}

TEST(BadInput, ALostConnectionIsSaidAsSuchWithWhatWasApplied) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lost-connection");
  dir.write("s/0001_first.sql", "CREATE TABLE first_t (id int);\n");
  dir.write("s/0002_slow.sql", "CREATE TABLE slow_t (id int);\nSELECT pg_sleep(30);\n");
  dir.write("services.toml", sql_manifest("lost"));
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("applying 0002_slow.sql", 10s)) << run.output();
  std::this_thread::sleep_for(300ms);
  // An operator (or a failover) ends the runner's backend.
  EXPECT_EQ(db.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
                      "'orchestrate/s' AND datname = current_database()"),
            "1");
  auto r = run.wait();
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("s/0002_slow.sql: the connection to the database was lost"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 file(s) before it were applied and recorded"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("client encoding"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT string_agg(version::text, ',') FROM s.orchestrate_migrations"), "1");
  EXPECT_FALSE(db.table_exists("s.slow_t"));
}

TEST(BadInput, AppliedByFallsBackToTheUidsNameWithoutUser) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("applied-by");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", sql_manifest("who"));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}, {"USER", ""}, {"LOGNAME", ""}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  std::string expected = std::string(getpwuid(getuid())->pw_name) + "@";
  EXPECT_EQ(db.scalar("SELECT applied_by FROM s.orchestrate_migrations").rfind(expected, 0), 0u)
      << db.scalar("SELECT applied_by FROM s.orchestrate_migrations");
  EXPECT_EQ(db.scalar("SELECT os_user FROM orchestrate.runs"), getpwuid(getuid())->pw_name);
}

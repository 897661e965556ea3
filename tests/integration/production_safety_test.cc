// Production safety on a live database: a lost run lock stops the run; files that would break
// atomicity or apply half their text are refused before anything runs; killed runs are marked.
#include <signal.h>

#include <sstream>
#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

std::string manifest(const std::string& project, const std::string& services) {
  return "[project]\nname = \"" + project + "\"\ndatabase = \"env:DATABASE_URL\"\n" + services;
}

// The example's users service (Alembic) with a 300 ms lock_timeout and `retries` retries.
std::string example_users_service(int retries) {
  return "\n[runners.alembic]\ncommand = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n"
         "\n[services.users]\nschema = \"users\"\nrunner = \"alembic\"\npath = \"" +
         (source_dir() / "examples" / "mindmirror" / "users").string() + "\"\nlock_timeout = \"300ms\"\nlock_retries = " +
         std::to_string(retries) + "\n";
}

std::string sql_service(const std::string& name, const std::string& deps = "") {
  return "\n[services." + name + "]\nschema = \"" + name + "\"\nrunner = \"sql\"\npath = \"" + name +
         "\"\ndepends_on = [" + deps + "]\n";
}

}  // namespace

TEST(LockSession, LosingItStopsTheRunBeforeAnythingFurtherStarts) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lost-lock");
  dir.write("first/0001_slow.sql", "SELECT pg_sleep(2);\nCREATE TABLE t (id int);\n");
  dir.write("second/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", manifest("lostlock", sql_service("first") + sql_service("second", "\"first\"")));
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("applying 0001_slow.sql", 10s)) << run.output();
  EXPECT_EQ(db.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE "
                      "'orchestrate/lock %' AND datname = current_database()"),
            "1");
  auto r = run.wait();
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("lost the run lock (connection terminated"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("nothing further was started"), std::string::npos) << r.output;
  // What was running finished in its own transaction; what came after never started.
  EXPECT_TRUE(db.table_exists("first.t"));
  EXPECT_FALSE(db.table_exists("second.t"));
}

TEST(Refusals, APolicyExpressionCannotSmuggleStatements) {
  REQUIRE_DATABASE();
  TestDatabase db;
  db.exec("CREATE TABLE public.victim (id int)");
  TempDir dir("rls-injection");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", manifest("inject", sql_service("s")) + R"(
[[rls.policy]]
name = "evil"
schemas = ["s"]
using = "true); COMMIT; DROP TABLE public.victim; SELECT (1"
)");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("services.toml:14:9"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("is not a single SQL expression"), std::string::npos) << r.output;
  EXPECT_TRUE(db.table_exists("public.victim"));
  EXPECT_FALSE(db.table_exists("s.t"));  // refused before any database was touched
}

TEST(Refusals, CommitInsideATransactionalFileIsRefusedAndNothingOfItApplies) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("midfile-commit");
  dir.write("s/0001_half.sql", "CREATE TABLE first_half (id int);\nCOMMIT;\nINSERT INTO no_such_table VALUES (1);\n");
  dir.write("services.toml", manifest("commit", sql_service("s")));
  auto check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 3) << check.output;
  EXPECT_NE(check.output.find("s/0001_half.sql:2: COMMIT is not allowed in a transactional file"), std::string::npos)
      << check.output;
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("0001_half.sql:2: COMMIT is not allowed"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("s.first_half"));
}

TEST(Refusals, ANulByteInASqlFileIsRefusedNotHalfApplied) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("nul-byte");
  dir.write("s/0001_nul.sql", std::string("CREATE TABLE before_nul (id int);\n\0CREATE TABLE after_nul (id int);\n", 68));
  dir.write("services.toml", manifest("nul", sql_service("s")));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("0001_nul.sql:2: this line holds a NUL byte"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("s.before_nul"));
  EXPECT_EQ(db.scalar("SELECT to_regclass('s.orchestrate_migrations') IS NULL"), "t");  // nothing recorded
}


TEST(Crash, SigkillLeavesNoChildBehindAndTheNextRunMarksItAbandoned) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("sigkill");
  // users' migration waits on a lock the test holds, so orchestrate is mid-run with a live worker.
  OpenTransaction hold(db);
  hold.exec("CREATE SCHEMA users");
  hold.exec("CREATE TABLE users.placeholder (id int)");
  hold.exec("LOCK TABLE users.placeholder IN ACCESS EXCLUSIVE MODE");
  Orchestrate run({"up", "-f", (source_dir() / "services.toml").string()}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("-m alembic", 15s)) << run.output();
  std::this_thread::sleep_for(1s);
  auto children = children_of(run.pid());
  ASSERT_FALSE(children.empty()) << "no child to watch";
  run.signal(SIGKILL);
  run.wait();
  std::this_thread::sleep_for(1s);
  for (int c : children) EXPECT_FALSE(alive(c)) << "child " << c << " outlived orchestrate";
  hold.release();
  // Nothing half-applied, and the next run finishes and says what happened to the killed one.
  auto again = run_orchestrate({"up", "-f", (source_dir() / "services.toml").string()}, {{"DATABASE_URL", db.url()}},
                               dir.path());
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("never finished (killed?); recorded as abandoned"), std::string::npos) << again.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orchestrate.runs WHERE outcome = 'abandoned'"), "1");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orchestrate.runs WHERE outcome = 'running'"), "0");
  auto history = run_orchestrate({"history", "-f", (source_dir() / "services.toml").string()},
                                 {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(history.output.find("abandoned"), std::string::npos) << history.output;
}

TEST(Files, LogsAndReportsAreTheOwnersAlone) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("perms");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", manifest("perms", sql_service("s")));
  auto r = run_orchestrate({"up", "--report", "json:up.json"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  auto mode = [](const fs::path& p) { return fs::status(p).permissions() & fs::perms::all; };
  EXPECT_EQ(mode(dir.path() / "up.json"), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(mode(dir.path() / ".orchestrate"), fs::perms::owner_all);
  EXPECT_EQ(mode(dir.path() / ".orchestrate" / "logs"), fs::perms::owner_all);
  for (const auto& run : fs::directory_iterator(dir.path() / ".orchestrate" / "logs")) {
    EXPECT_EQ(mode(run.path()), fs::perms::owner_all);
    for (const auto& log : fs::directory_iterator(run.path()))
      EXPECT_EQ(mode(log.path()), fs::perms::owner_read | fs::perms::owner_write) << log.path();
  }
}

TEST(NoTransaction, AnInterruptedConcurrentIndexIsReportedAndRebuiltNotAccepted) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("invalid-index");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int, x int);\nINSERT INTO t SELECT g, g FROM generate_series(1, 100) g;\n");
  dir.write("services.toml", manifest("cic", sql_service("s")));
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  dir.write("s/0002_idx.sql", "-- orchestrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);\n");
  // An open writer: CREATE INDEX CONCURRENTLY creates its (invalid) index, then waits for it.
  OpenTransaction writer(db);
  writer.exec("INSERT INTO s.t VALUES (0, 0)");
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto [r, took] = signal_when(run, "applying 0002_idx.sql", 1500ms, SIGINT);
  writer.release();
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_NE(r.output.find("which runs without a transaction"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("its transaction was rolled back"), std::string::npos) << r.output;
  ASSERT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 's.t_x'::regclass"), "f");

  auto status = run_orchestrate({"status", "--check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(status.code, 3) << status.output;
  EXPECT_NE(status.output.find("INVALID index s.t_x"), std::string::npos) << status.output;

  auto again = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("dropping INVALID index s.t_x"), std::string::npos) << again.output;
  EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 's.t_x'::regclass"), "t");
  EXPECT_EQ(db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM s.orchestrate_migrations"), "1,2");
  EXPECT_EQ(run_orchestrate({"status", "--check"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
}

TEST(LockTimeout, ASqlFileWaitsBoundedNamesTheBlockerAndRetriesUntilItIsGone) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lock-retry");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", manifest("retry", sql_service("s")) + "lock_timeout = \"300ms\"\nlock_retries = 6\n");
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  dir.write("s/0002_alter.sql", "ALTER TABLE t ADD COLUMN note text;\n");
  OpenTransaction reader(db);  // a long reader: ALTER TABLE must wait for it, and everything queues behind
  reader.exec("SELECT * FROM s.t");
  const std::string reader_pid = db.scalar(
      "SELECT pid FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()");
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("attempt 2 of 7", 15s)) << run.output();
  reader.release();
  auto r = run.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("lock timeout on 0002_alter.sql (waited 300ms for a lock; a lock on s.t is held by pid " +
                          reader_pid),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("idle in transaction for"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM s.orchestrate_migrations"), "2");
}

TEST(LockTimeout, RetriesExhaustedIsExitOneWithTheBlockerAndNothingHalfApplied) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lock-giveup");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", manifest("giveup", sql_service("s")) + "lock_timeout = \"200ms\"\nlock_retries = 1\n");
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  dir.write("s/0002_alter.sql", "CREATE TABLE before_alter (id int);\nALTER TABLE t ADD COLUMN note text;\n");
  OpenTransaction reader(db);
  reader.exec("SELECT * FROM s.t");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("s/0002_alter.sql: lock timeout: gave up after 2 attempts (each waited 200ms for a lock); "
                          "a lock on s.t is held by pid"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(db.table_exists("s.before_alter"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM s.orchestrate_migrations"), "1");
}

TEST(LockTimeout, AlembicGetsTheLimitThroughPgoptionsAndIsRetried) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("alembic-lock-retry");
  dir.write("services.toml", manifest("alock", example_users_service(8)));
  // users' first statement (CREATE SCHEMA IF NOT EXISTS users) waits for this uncommitted schema.
  OpenTransaction hold(db);
  hold.exec("CREATE SCHEMA users");
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("attempt 2 of 9", 20s)) << run.output();
  hold.release();
  auto r = run.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("lock timeout (waited 300ms for a lock"), std::string::npos)
      << r.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM users.alembic_version"), "c2e8a4f6b913");
}

TEST(LockTimeout, TheRlsPhaseRetriesNamingTheBlockerAndAppliesOnceItIsGone) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-retry");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int, owner text);\n");
  const std::string rls = R"(
[rls]
require = ["s"]
lock_timeout = "200ms"
lock_retries = 20

[[rls.policy]]
name = "owner"
schemas = ["s"]
using = "owner = current_user"
)";
  dir.write("services.toml", manifest("rlsretry", sql_service("s")) + rls);
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  db.exec("DROP POLICY owner ON s.t");  // drift, so the phase runs again
  OpenTransaction hold(db);
  hold.exec("SELECT count(*) FROM s.t");  // ACCESS SHARE until released: ALTER TABLE waits behind it
  const auto events = dir.path() / "events.jsonl";
  Orchestrate run({"--events", events.string(), "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("attempt 2 of 21", 20s)) << run.output();
  hold.release();
  auto r = run.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  // The stream's lock-waiting events come from the phase's typed report, with the blocker's pid.
  const std::string ev = read_all(events);
  EXPECT_NE(ev.find("\"type\":\"lock-waiting\",\"service\":null,\"attempt\":1,\"attempts\":21"), std::string::npos) << ev;
  EXPECT_NE(ev.find("\"blocked_by_pid\":"), std::string::npos) << ev;
  EXPECT_NE(r.output.find("RLS phase: lock timeout (waited 200ms for a table lock; a lock on s.t is held by pid "),
            std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_policy WHERE polname = 'owner'"), "1");
  // History records the attempts.
  EXPECT_GE(std::stoi(db.scalar("SELECT rls_attempts FROM orchestrate.runs ORDER BY started_at DESC LIMIT 1")), 2);
}

TEST(LockTimeout, TheRlsPhaseGivesUpAfterItsRetriesWithTheBlockerAndChangesNothing) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-giveup");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int, owner text);\n");
  dir.write("services.toml", manifest("rlsgiveup", sql_service("s")) + R"(
[rls]
require = ["s"]
lock_timeout = "100ms"
lock_retries = 1

[[rls.policy]]
name = "owner"
schemas = ["s"]
using = "owner = current_user"
)");
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  db.exec("DROP POLICY owner ON s.t");
  OpenTransaction hold(db);
  hold.exec("SELECT count(*) FROM s.t");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("gave up after 2 attempts (each waited 100ms for a table lock); a lock on s.t is held by pid"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("idle in transaction"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_policy WHERE polname = 'owner'"), "0");
}

TEST(LockTimeout, AlembicRetriesNameTheBlocker) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("alembic-blocker");
  dir.write("services.toml", manifest("ablock", example_users_service(30)));
  db.exec("CREATE SCHEMA users");
  db.exec("CREATE TABLE users.alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)");
  // Reading the version table works; Alembic's INSERT into it waits behind this SHARE lock.
  OpenTransaction hold(db);
  hold.exec("LOCK TABLE users.alembic_version IN SHARE MODE");
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("attempt 2 of 31", 30s)) << run.output();
  hold.release();
  auto r = run.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("; a lock on users.alembic_version is held by pid "), std::string::npos) << r.output;
  EXPECT_GE(std::stoi(db.scalar("SELECT lock_timeouts FROM orchestrate.run_steps WHERE service = 'users'")), 1);
  EXPECT_EQ(db.scalar("SELECT version_num FROM users.alembic_version"), "c2e8a4f6b913");
}

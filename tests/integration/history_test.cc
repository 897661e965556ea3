// orchestrate's own schema: its version and in-place upgrade from the shape every earlier orchestrate
// wrote; one history row per migration; progress written while a run goes and shown by status; history
// drill-down; up refusing a service status knows will fail; a rollout takeover told the same way twice.
#include <map>
#include <thread>

#include <signal.h>

#include "fleet.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

std::string manifest(const std::string& project, const std::string& services) {
  return "[project]\nname = \"" + project + "\"\ndatabase = \"env:DATABASE_URL\"\n" + services;
}

std::string sql_service(const std::string& name, const std::string& extra = "") {
  return "\n[services." + name + "]\nschema = \"" + name + "\"\nrunner = \"sql\"\npath = \"" + name + "\"\n" + extra;
}

// The history tables exactly as orchestrate wrote them before they had a version (a913232), with a
// finished run and a run killed mid-way.
void create_version_1_history(const TestDatabase& db) {
  db.exec(R"(
CREATE SCHEMA orchestrate;
CREATE TABLE orchestrate.runs (run_id text PRIMARY KEY, project text NOT NULL, target text NOT NULL,
  command text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,
  os_user text NOT NULL, host text NOT NULL, orchestrate_version text NOT NULL, manifest_sha256 text NOT NULL,
  outcome text NOT NULL DEFAULT 'running', rls_state text, rls_detail text);
CREATE TABLE orchestrate.run_steps (run_id text NOT NULL REFERENCES orchestrate.runs (run_id) ON DELETE CASCADE,
  service text NOT NULL, runner text NOT NULL, schema_name text NOT NULL, before_revisions text[] NOT NULL,
  after_revisions text[] NOT NULL, applied integer NOT NULL, duration_ms bigint NOT NULL, state text NOT NULL,
  error text, finished_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, service));
CREATE INDEX run_steps_service ON orchestrate.run_steps (service, finished_at DESC);
ALTER TABLE orchestrate.runs ADD COLUMN rls_inputs_sha256 text, ADD COLUMN rls_state_sha256 text,
  ADD COLUMN rls_attempts integer;
ALTER TABLE orchestrate.run_steps ADD COLUMN lock_timeouts integer NOT NULL DEFAULT 0;
INSERT INTO orchestrate.runs (run_id, project, target, command, started_at, finished_at, os_user, host,
  orchestrate_version, manifest_sha256, outcome)
VALUES ('20260101T000000-old1', 'upg', 'default', 'up', '2026-01-01 00:00:00+00', '2026-01-01 00:00:05+00', 'ann',
        'laptop', '0.9.0', 'abc', 'succeeded'),
       ('20260102T000000-old2', 'upg', 'default', 'up', '2026-01-02 00:00:00+00', NULL, 'bob', 'ci', '0.9.0', 'abc',
        'running');
INSERT INTO orchestrate.run_steps (run_id, service, runner, schema_name, before_revisions, after_revisions, applied,
  duration_ms, state, finished_at, lock_timeouts)
VALUES ('20260101T000000-old1', 's', 'sql', 's', '{}', '{0001}', 1, 40, 'applied', '2026-01-01 00:00:05+00', 2);
)");
}

}  // namespace

TEST(HistorySchema, TodaysTablesAreUpgradedInPlaceWithTheirRowsKept) {
  REQUIRE_DATABASE();
  TestDatabase db;
  create_version_1_history(db);
  TempDir dir("history-upgrade");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("s/0002_u.sql", "CREATE TABLE u (id int);\n");
  dir.write("services.toml", manifest("upg", sql_service("s")));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT version FROM orchestrate.schema_version"), "2");
  // The old rows are all there, unchanged; the killed run is marked abandoned as before.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orchestrate.runs"), "3");
  EXPECT_EQ(db.scalar("SELECT os_user || ' ' || outcome || ' ' || to_char(finished_at AT TIME ZONE 'UTC', "
                      "'YYYY-MM-DD HH24:MI:SS') FROM orchestrate.runs WHERE run_id = '20260101T000000-old1'"),
            "ann succeeded 2026-01-01 00:00:05");
  EXPECT_EQ(db.scalar("SELECT outcome FROM orchestrate.runs WHERE run_id = '20260102T000000-old2'"), "abandoned");
  EXPECT_EQ(db.scalar("SELECT applied || ' ' || lock_timeouts || ' ' || array_to_string(after_revisions, ',') "
                      "FROM orchestrate.run_steps WHERE run_id = '20260101T000000-old1'"),
            "1 2 0001");
  // The new run wrote one row per migration, with the file's checksum as the ledger keeps it.
  EXPECT_EQ(db.scalar("SELECT string_agg(migration || ':' || outcome, ',' ORDER BY seq) FROM orchestrate.run_migrations"),
            "0001_t.sql:applied,0002_u.sql:applied");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orchestrate.run_migrations m JOIN s.orchestrate_migrations l "
                      "ON m.migration = lpad(l.version::text, 4, '0') || '_' || l.name || '.sql' AND m.checksum = l.checksum"),
            "2");
  // history still lists the old runs.
  auto h = run_orchestrate({"history"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(h.code, 0) << h.output;
  EXPECT_NE(h.output.find("20260101T000000-old1"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("abandoned"), std::string::npos) << h.output;
}

TEST(HistorySchema, ANewerSchemaIsLeftAloneWithAWarning) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("history-newer");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", manifest("newer", sql_service("s")));
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  db.exec("UPDATE orchestrate.schema_version SET version = 99");
  dir.write("s/0002_u.sql", "CREATE TABLE u (id int);\n");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("version 99, newer than this orchestrate knows (2)"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orchestrate.runs"), "1");
  EXPECT_TRUE(db.table_exists("s.u"));
}

TEST(HistoryMigrations, AFailedRunRecordsEachMigrationItsDurationAndTheError) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("history-failed");
  dir.write("s/0001_ok.sql", "CREATE TABLE ok_t (id int);\n");
  dir.write("s/0002_slow.sql", "SELECT pg_sleep(0.3);\nCREATE TABLE slow_t (id int);\n");
  dir.write("s/0003_broken.sql", "INSERT INTO missing_table VALUES (1);\n");
  dir.write("services.toml", manifest("failed", sql_service("s")));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 1) << r.output;
  EXPECT_EQ(db.scalar("SELECT string_agg(migration || ':' || outcome, ',' ORDER BY seq) FROM orchestrate.run_migrations"),
            "0001_ok.sql:applied,0002_slow.sql:applied,0003_broken.sql:failed");  // named as applied files are
  EXPECT_EQ(db.scalar("SELECT duration_ms >= 300 FROM orchestrate.run_migrations WHERE migration = '0002_slow.sql'"), "t");
  EXPECT_NE(db.scalar("SELECT error FROM orchestrate.run_migrations WHERE outcome = 'failed'").find("missing_table"),
            std::string::npos);
  EXPECT_EQ(db.scalar("SELECT state || ' ' || applied || ' ' || (finished_at IS NOT NULL) FROM orchestrate.run_steps"),
            "failed 2 true");
}

TEST(HistoryDrillDown, ARunShowsItsServicesThenItsMigrationsWithDurationsAndTheError) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("history-run");
  dir.write("s/0001_ok.sql", "CREATE TABLE ok_t (id int);\n");
  dir.write("s/0002_broken.sql", "INSERT INTO missing_table VALUES (1);\n");
  dir.write("t/0001_t.sql", "CREATE TABLE t_t (id int);\n");
  dir.write("services.toml", manifest("drill", sql_service("s") + sql_service("t")));
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 1);
  std::string run_id = db.scalar("SELECT run_id FROM orchestrate.runs");
  auto h = run_orchestrate({"history", run_id}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(h.code, 0) << h.output;
  EXPECT_NE(h.output.find("run " + run_id + " (up) on default by "), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("2 applied in 2 services, 1 failed"), std::string::npos) << h.output;
  EXPECT_LT(h.output.find("SERVICE  RUNNER"), h.output.find("SERVICE  #")) << h.output;  // services, then migrations
  EXPECT_NE(h.output.find("0001_ok.sql"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("0001_t.sql"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("s 0002_broken.sql: "), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("missing_table"), std::string::npos) << h.output;
  auto failed = run_orchestrate({"history", "--service", "s", "--failed", "--format", "json"}, {{"DATABASE_URL", db.url()}},
                                dir.path());
  ASSERT_EQ(failed.code, 0) << failed.output;
  EXPECT_EQ(count_of(failed.output, "\"migration\":"), 1) << failed.output;
  EXPECT_NE(failed.output.find("\"outcome\": \"failed\""), std::string::npos) << failed.output;
  auto since = run_orchestrate({"history", "--since", "1h", "--failed"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(since.output.find(run_id), std::string::npos) << since.output;
  auto none = run_orchestrate({"history", "--since", "2999-01-01"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(none.output.find(run_id), std::string::npos) << none.output;
  auto missing = run_orchestrate({"history", "nope"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(missing.code, 1) << missing.output;
  EXPECT_NE(missing.output.find("no run nope of drill is recorded here"), std::string::npos) << missing.output;
}

TEST(StatusWhileRunning, ShowsTheRunningMigrationAndTheLockItWaitsOn) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("status-running");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("services.toml", manifest("watched", sql_service("s", "lock_timeout = \"200ms\"\nlock_retries = 50\n") +
                                                     sql_service("later", "depends_on = [\"s\"]\n")));
  dir.write("later/0001_l.sql", "CREATE TABLE l (id int);\n");
  ASSERT_EQ(run_orchestrate({"up", "--only", "s"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  dir.write("s/0002_alter.sql", "ALTER TABLE t ADD COLUMN note text;\n");
  OpenTransaction reader(db);  // a reader holding the table: the ALTER waits behind it
  reader.exec("SET application_name = 'the-reader'");
  reader.exec("SELECT * FROM s.t");
  std::string reader_pid = db.scalar("SELECT pid FROM pg_stat_activity WHERE application_name = 'the-reader'");
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("lock timeout on 0002_alter.sql", 15s)) << run.output();
  std::this_thread::sleep_for(300ms);  // the writer's round trip
  auto st = run_orchestrate({"status"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(st.output.find("RUN IN PROGRESS"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("on 0002_alter.sql for"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("waiting for a lock held by pid " + reader_pid), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("later  pending"), std::string::npos) << st.output;
  auto js = run_orchestrate({"status", "--format", "json"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(js.output.find("\"waiting_pid\": " + reader_pid), std::string::npos) << js.output;
  EXPECT_NE(js.output.find("\"alive\": true"), std::string::npos) << js.output;
  reader.release();
  auto r = run.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  auto after = run_orchestrate({"status"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(after.output.find("RUN IN PROGRESS"), std::string::npos) << after.output;
  EXPECT_EQ(db.scalar("SELECT lock_timeouts > 0 FROM orchestrate.run_migrations WHERE migration = '0002_alter.sql'"), "t");
}

TEST(StatusWhileRunning, ShowsTheSqlFileRunningBeforeItMeetsALock) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("status-running-sql");
  dir.write("s/0001_slow.sql", "SELECT pg_sleep(3);\n");
  dir.write("services.toml", manifest("watched", sql_service("s")));
  Orchestrate run({"--no-dashboard", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("applying 0001_slow.sql", 15s)) << run.output();
  std::this_thread::sleep_for(300ms);  // the writer's round trip
  auto st = run_orchestrate({"status"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(st.output.find("on 0001_slow.sql for"), std::string::npos) << st.output;
  EXPECT_EQ(db.scalar("SELECT outcome FROM orchestrate.run_migrations WHERE migration = '0001_slow.sql'"), "running");
  EXPECT_EQ(run.wait().code, 0);
}

TEST(UpRefuses, TablesWithoutAVersionTableNameTheBaselineCommandAndChangeNothing) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("refuse-unversioned");
  db.exec("CREATE SCHEMA s; CREATE TABLE s.t (id int)");
  dir.write("s/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("o/0001_o.sql", "CREATE TABLE o (id int);\n");
  dir.write("services.toml", manifest("refuse", sql_service("s") + sql_service("o")));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("s is tables-without-version"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("orchestrate baseline s --to REV (the newest in its files is 0001)"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("o.o"));
  EXPECT_EQ(db.scalar("SELECT to_regclass('orchestrate.runs') IS NULL"), "t");
  auto st = run_orchestrate({"status"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(st.output.find("s: hint: record the revision its tables match: orchestrate baseline s --to REV"),
            std::string::npos) << st.output;
  auto check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(check.output.find("orchestrate baseline s --to REV"), std::string::npos) << check.output;
}

TEST(RolloutTakeover, TheTargetsHistoryAndTheRolloutStateTellTheSameStory) {
  REQUIRE_DATABASE();
  Fleet f(2, "CREATE TABLE a (id int);\nSELECT pg_sleep(2);\n",
          "[[rollout.wave]]\nname = \"all\"\ntargets = [\"*\"]\nmax_parallel = 1\n");
  const std::map<std::string, std::string> fast = {{"ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER", "2s"}};
  Orchestrate doomed({"rollout", "--run-id", "rel-9", "--yes"}, f.env(0, fast), f.dir.path());
  ASSERT_TRUE(doomed.wait_for_output("applying 0001_a.sql", 15s)) << doomed.output();
  Orchestrate survivor({"rollout", "--run-id", "rel-9", "--yes"}, f.env(1, fast), f.dir.path());
  ASSERT_TRUE(survivor.wait_for_output("joined by worker-1@", 10s)) << survivor.output();
  doomed.signal(SIGKILL);
  doomed.wait();
  auto r = survivor.wait();
  ASSERT_EQ(r.code, 0) << r.output;
  std::string taken = f.control.scalar("SELECT name FROM orchestrate_rollout.targets WHERE runs = 2");
  ASSERT_FALSE(taken.empty());
  const TestDatabase& db = *f.targets[taken == "t0" ? 0 : 1];
  // The dead worker's run is abandoned under its id; the takeover's is its own row, and the rollout
  // state names that row.
  EXPECT_EQ(db.scalar("SELECT string_agg(run_id || ' ' || outcome || ' ' || os_user, ', ' ORDER BY started_at) "
                      "FROM orchestrate.runs"),
            "rel-9 abandoned worker-0, rel-9-takeover succeeded worker-1");
  EXPECT_EQ(f.control.scalar("SELECT history_run_id || ' ' || state || ' ' || split_part(worker, '@', 1) "
                             "FROM orchestrate_rollout.targets WHERE name = '" + taken + "'"),
            "rel-9-takeover succeeded worker-1");
  auto h = run_orchestrate({"history", "--target", taken}, f.env(1), f.dir.path());
  EXPECT_EQ(h.code, 0) << h.output;
  EXPECT_NE(h.output.find("abandoned"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("rel-9-takeover"), std::string::npos) << h.output;
  EXPECT_NE(h.output.find("worker-1@"), std::string::npos) << h.output;
}

// Fault injection, bounded to about a minute: SIGKILL `up` at random moments across an Alembic
// service, a transactional SQL service and a no-transaction one (a concurrent index build); terminate
// its backends mid-run; start ten `up`s at once. After each fault: no child survives, no migration is
// half-applied (its objects exist exactly when its ledger row does), and a plain `up` reaches head.
// The seed is printed; ORCHESTRATE_FAULT_SEED replays a failure. A whole run takes ~0.8 s here, so the
// kills (20-900 ms) land in Alembic, the transactional files and the concurrent index build.
#include <signal.h>

#include <algorithm>
#include <random>
#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

// users (Alembic, the example's), tx (five transactional files), notx (a table with rows, an index
// built CONCURRENTLY outside a transaction, then a table after it). No dependencies: all run at once.
void write_project(const TempDir& dir) {
  const fs::path users = source_dir() / "examples" / "mindmirror" / "users";
  fs::copy(users, dir.path() / "users", fs::copy_options::recursive);
  fs::copy(users.parent_path() / "common", dir.path() / "common", fs::copy_options::recursive);
  for (int n = 1; n <= 5; ++n)
    dir.write("tx/000" + std::to_string(n) + "_t" + std::to_string(n) + ".sql",
              "CREATE TABLE t" + std::to_string(n) + " (id int);\nSELECT pg_sleep(0.06);\nINSERT INTO t" +
                  std::to_string(n) + " VALUES (1);\n");
  dir.write("notx/0001_big.sql", "CREATE TABLE big (id int, x int);\n"
                                 "INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 300000) g;\n");
  dir.write("notx/0002_index.sql", "-- orchestrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS big_x ON big (x);\n");
  dir.write("notx/0003_after.sql", "CREATE TABLE after_index (id int);\n");
  dir.write("services.toml",
            "[project]\nname = \"faults\"\ndatabase = \"env:DATABASE_URL\"\n"
            "[runners.alembic]\ncommand = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n"
            "[services.users]\nschema = \"users\"\nrunner = \"alembic\"\npath = \"users\"\n"
            "[services.tx]\nschema = \"tx\"\nrunner = \"sql\"\npath = \"tx\"\n"
            "[services.notx]\nschema = \"notx\"\nrunner = \"sql\"\npath = \"notx\"\n");
}

std::string ledger(const TestDatabase& db, const std::string& schema) {
  if (!db.table_exists(schema + ".orchestrate_migrations")) return "";
  return db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM " + schema + ".orchestrate_migrations");
}

// Objects exist exactly when their migration is recorded; "" when consistent, else what is not.
std::string half_applied(const TestDatabase& db) {
  std::string bad;
  const std::string tx = "," + ledger(db, "tx") + ",";
  for (int n = 1; n <= 5; ++n) {
    bool recorded = tx.find("," + std::to_string(n) + ",") != std::string::npos;
    if (recorded != db.table_exists("tx.t" + std::to_string(n))) bad += " tx.t" + std::to_string(n);
  }
  const std::string notx = "," + ledger(db, "notx") + ",";
  if ((notx.find(",1,") != std::string::npos) != db.table_exists("notx.big")) bad += " notx.big";
  if (notx.find(",2,") != std::string::npos &&
      db.scalar("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'big_x' "
                "AND i.indisvalid") != "1")
    bad += " notx.big_x (recorded, but not a valid index)";
  if ((notx.find(",3,") != std::string::npos) != db.table_exists("notx.after_index")) bad += " notx.after_index";
  std::string head = db.table_exists("users.alembic_version") ? db.scalar("SELECT version_num FROM users.alembic_version") : "";
  if ((head == "7f3d9b21c4e2" || head == "c2e8a4f6b913") != db.table_exists("users.users")) bad += " users.users";
  if ((head == "c2e8a4f6b913") != db.table_exists("users.profiles")) bad += " users.profiles";
  return bad;
}

void expect_at_head(const TestDatabase& db) {
  EXPECT_EQ(ledger(db, "tx"), "1,2,3,4,5");
  EXPECT_EQ(ledger(db, "notx"), "1,2,3");
  EXPECT_EQ(db.scalar("SELECT version_num FROM users.alembic_version"), "c2e8a4f6b913");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0");
  EXPECT_EQ(half_applied(db), "");
}

unsigned seed() {
  if (const char* s = std::getenv("ORCHESTRATE_FAULT_SEED")) return static_cast<unsigned>(std::stoul(s));
  return std::random_device{}();
}

}  // namespace

TEST(FaultInjection, SigkillAtFifteenRandomPointsLeavesNothingHalfAppliedAndNoChildBehind) {
  REQUIRE_DATABASE();
  const unsigned s = seed();
  SCOPED_TRACE("ORCHESTRATE_FAULT_SEED=" + std::to_string(s));
  std::mt19937 rng(s);
  std::uniform_int_distribution<int> delay_ms(20, 900);
  TempDir dir("faults");
  write_project(dir);
  for (int round = 0; round < 15; ++round) {
    TestDatabase db;
    const int delay = delay_ms(rng);
    SCOPED_TRACE("round " + std::to_string(round) + ", SIGKILL after " + std::to_string(delay) + " ms");
    Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
    std::vector<int> family;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
         std::chrono::steady_clock::now() < until;) {
      for (int c : descendants_of(run.pid()))
        if (std::find(family.begin(), family.end(), c) == family.end()) family.push_back(c);
      std::this_thread::sleep_for(10ms);
    }
    for (int c : descendants_of(run.pid()))
      if (std::find(family.begin(), family.end(), c) == family.end()) family.push_back(c);
    run.signal(SIGKILL);
    run.wait();
    for (int i = 0; i < 40 && std::any_of(family.begin(), family.end(), alive); ++i) std::this_thread::sleep_for(50ms);
    for (int c : family) EXPECT_FALSE(alive(c)) << "process " << c << " outlived orchestrate";
    // The killed session's server process may still be finishing a statement: objects and rows are
    // compared once nothing of the run is left on the server.
    for (int i = 0; i < 100 && db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND pid <> pg_backend_pid()") != "0"; ++i)
      std::this_thread::sleep_for(50ms);
    EXPECT_EQ(half_applied(db), "") << run.output();
    auto again = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
    EXPECT_EQ(again.code, 0) << again.output;
    expect_at_head(db);
    if (HasFailure()) break;
  }
}

TEST(FaultInjection, TerminatedBackendsMidRunAreAClearErrorNotAHangAndTheRerunFinishes) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("faults-terminate");
  write_project(dir);
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("applying 0002_t2.sql", 15s)) << run.output();
  db.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()");
  auto r = run.wait();  // the harness's timeout bounds a hang
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_TRUE(r.output.find("terminat") != std::string::npos || r.output.find("connection") != std::string::npos)
      << r.output;
  EXPECT_EQ(half_applied(db), "");
  auto again = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(again.code, 0) << again.output;
  expect_at_head(db);
}

TEST(FaultInjection, TenConcurrentUpsOnAFreshDatabaseApplyEverythingOnce) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("faults-ten");
  write_project(dir);
  std::vector<std::unique_ptr<Orchestrate>> runs;
  for (int i = 0; i < 10; ++i)
    runs.push_back(std::make_unique<Orchestrate>(std::vector<std::string>{"up"},
                                                 std::map<std::string, std::string>{{"DATABASE_URL", db.url()}}, dir.path()));
  int applied_tx = 0;
  for (auto& run : runs) {
    auto r = run->wait();
    EXPECT_TRUE(r.code == 0 || r.code == 4) << r.output;
    EXPECT_EQ(r.output.find("already exists"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("duplicate key"), std::string::npos) << r.output;
    applied_tx += count_of(r.output, "applied 0001_t1.sql");
  }
  EXPECT_EQ(applied_tx, 1);
  expect_at_head(db);
}

// PR_SET_PDEATHSIG reaches only a direct child. Here the work happens in grandchildren: sh (the child)
// starts a `sleep 20` and a psql that commits a table after a 3 s pause (its output on /dev/null, so no
// SIGPIPE from the dead orchestrate's pipe stops it first). SIGKILL orchestrate during the
// pause: the group watchdog must kill sh's whole process group, so nothing lingers with ppid 1 and the
// table is never created after the run lock was freed.
TEST(FaultInjection, SigkillLeavesNoGrandchildBehindAndNothingCommitsAfterTheLockIsFreed) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("faults-grandchild");
  dir.write("services.toml", R"toml([project]
name = "grandchild"
database = "env:DATABASE_URL"
[services.slow]
schema = "slow"
runner = "command"
command = ["sh", "-c", '''sleep 20 & echo grandchildren started; psql -X -q "$DATABASE_URL" -c 'select pg_sleep(3)' -c 'create table public.after_kill(i int)' >/dev/null 2>&1; wait''']
)toml");
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("grandchildren started", 15s)) << run.output();
  const std::string sleeping = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND query = 'select pg_sleep(3)' AND state = 'active'";
  bool in_pause = false;
  for (int i = 0; i < 100 && !(in_pause = db.scalar(sleeping) == "1"); ++i) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(in_pause) << "psql never reached its pause\n" << run.output();
  const auto pause_seen = std::chrono::steady_clock::now();
  std::vector<int> family = descendants_of(run.pid());
  const std::vector<int> direct = children_of(run.pid());
  const auto grandchildren = std::count_if(family.begin(), family.end(), [&](int p) {
    return std::find(direct.begin(), direct.end(), p) == direct.end();
  });
  ASSERT_GE(grandchildren, 2) << "expected psql and sleep below sh; the test would not exercise grandchildren";
  run.signal(SIGKILL);
  run.wait();
  for (int i = 0; i < 40 && std::any_of(family.begin(), family.end(), alive); ++i) std::this_thread::sleep_for(50ms);
  for (int p : family)
    EXPECT_FALSE(alive(p)) << "process " << p << " (" << read_all("/proc/" + std::to_string(p) + "/cmdline")
                           << ") outlived the SIGKILLed orchestrate";
  // psql would send the CREATE TABLE once its 3 s pause ends: wait past that, and for the server to
  // finish whatever session of the run is left, before looking.
  std::this_thread::sleep_until(pause_seen + 3500ms);
  for (int i = 0; i < 100 && db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()") != "0"; ++i)
    std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(db.table_exists("public.after_kill"))
      << "a grandchild of the killed orchestrate committed after the run lock was freed";
  for (int p : family)
    if (alive(p)) ::kill(p, SIGKILL);  // do not leave the test's own leftovers behind on failure
}

// `orchestrate up` end to end: the real binary, a real PostgreSQL, real Alembic.
#include <signal.h>

#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

const std::string kPython = "/usr/bin/python3";

std::string header(const std::string& project = "itest") {
  return "[project]\nname = \"" + project + "\"\ndatabase = \"env:DATABASE_URL\"\n\n"
         "[runners.alembic]\ncommand = [\"" + kPython + "\", \"-m\", \"alembic\"]\n";
}

std::string sql_service(const std::string& name, const std::string& path, const std::string& deps = "",
                        const std::string& extra = "") {
  return "\n[services." + name + "]\nschema = \"" + name + "\"\nrunner = \"sql\"\npath = \"" + path +
         "\"\ndepends_on = [" + deps + "]\n" + extra;
}

}  // namespace

TEST(Up, ExampleReachesHeadThenSecondRunAppliesNothingWithoutPython) {
  REQUIRE_DATABASE();
  TestDatabase db;
  auto first = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, source_dir());
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("6 services: 6 applied, 0 up-to-date, 0 failed, 0 skipped; 13 migrations applied"),
            std::string::npos)
      << first.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM users.alembic_version"), "c2e8a4f6b913");
  EXPECT_EQ(db.scalar("SELECT version_num FROM habits.alembic_version"), "2a3f4c9d1cde");
  EXPECT_EQ(db.scalar("SELECT version_num FROM journal.alembic_version"), "6d2f0c8b1a37");
  EXPECT_EQ(db.scalar("SELECT version_num FROM practices.alembic_version"), "9c4b7e1d5f28");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM meals.orchestrate_migrations"), "3");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM movements.orchestrate_migrations"), "2");
  EXPECT_TRUE(db.table_exists("practices.routine_steps"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM users.profiles"), "1");  // the data migration ran
  EXPECT_EQ(db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'meals.foods_nutrients'::regclass"), "t");
  // users is exclusive and everything depends on it: it ran alone, before anything else started.
  auto users_done = first.output.find("users       | applied 3 migrations");
  auto habits_start = first.output.find("habits      | started");
  ASSERT_NE(users_done, std::string::npos) << first.output;
  EXPECT_LT(users_done, habits_start);

  auto second = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, source_dir());
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("6 services: 0 applied, 6 up-to-date"), std::string::npos) << second.output;
  EXPECT_EQ(count_of(second.output, "Alembic not started"), 4) << second.output;
  EXPECT_EQ(count_of(second.output, "-m alembic"), 0) << second.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM meals.orchestrate_migrations"), "3");
}

TEST(Up, FailingSqlMigrationRollsBackSkipsDependentsOthersFinish) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("sqlfail");
  dir.write("base/0001_base.sql", "CREATE TABLE base_t (id int PRIMARY KEY);\n");
  dir.write("a/0001_ok.sql", "CREATE TABLE ok_t (id int);\n");
  dir.write("a/0002_broken.sql", "CREATE TABLE half_done (id int);\n\nINSERT INTO missing_table\n  VALUES (1);\n");
  dir.write("b/0001_b.sql", "CREATE TABLE b_t (id int);\n");
  dir.write("c/0001_c.sql", "CREATE TABLE c_t (id int);\n");
  dir.write("services.toml", header() + sql_service("base", "base") + sql_service("a", "a", "\"base\"") +
                                 sql_service("b", "b", "\"a\"") + sql_service("c", "c", "\"base\""));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("a/0002_broken.sql:3: relation \"missing_table\" does not exist"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("skipped (needs a)"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM a.orchestrate_migrations"), "1");
  EXPECT_FALSE(db.table_exists("a.half_done"));  // the failed file's transaction rolled back
  EXPECT_TRUE(db.table_exists("a.ok_t"));
  EXPECT_FALSE(db.table_exists("b.orchestrate_migrations"));  // b never ran
  EXPECT_TRUE(db.table_exists("c.c_t"));                       // independent: finished
  EXPECT_NE(r.output.find("1 failed, 1 skipped"), std::string::npos) << r.output;
}

TEST(Up, EditedAppliedSqlFileIsAnErrorNotARerun) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("drift");
  dir.write("s/0001_one.sql", "CREATE TABLE one (id int);\n");
  dir.write("services.toml", header() + sql_service("s", "s"));
  ASSERT_EQ(run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path()).code, 0);
  dir.write("s/0001_one.sql", "CREATE TABLE one (id bigint);\n");
  dir.write("s/0002_two.sql", "CREATE TABLE two (id int);\n");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("s/0001_one.sql was changed after it was applied"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("s.two"));  // nothing applied after drift was found
}

TEST(Up, FailingAlembicRevisionRollsBackAndSkipsDependents) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("alembicfail");
  dir.write("ok/0001_ok.sql", "CREATE TABLE fine (id int);\n");
  dir.write("dep/0001_dep.sql", "CREATE TABLE dep_t (id int);\n");
  std::string fixture = (source_dir() / "tests" / "fixtures" / "failing_alembic").string();
  dir.write("services.toml", header() + "\n[services.broken]\nschema = \"broken\"\nrunner = \"alembic\"\npath = \"" +
                                 fixture + "\"\n" + sql_service("dep", "dep", "\"broken\"") + sql_service("ok", "ok"));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  // The revision, its file and line, the server's words, and what rolled back with it.
  EXPECT_NE(r.output.find("failing_alembic/migrations/versions/bb02_fill_vouchers.py:15: revision bb02: ProgrammingError: "
                          "relation \"vouchers_that_do_not_exist\" does not exist"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("rolled back with it: aa01"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped (needs broken)"), std::string::npos) << r.output;
  EXPECT_TRUE(db.table_exists("ok.fine"));
  EXPECT_FALSE(db.table_exists("public.widgets"));  // Alembic's transaction rolled the first revision back too
  EXPECT_FALSE(db.table_exists("broken.alembic_version"));
  // The whole output is kept per service.
  EXPECT_NE(r.output.find("full output: "), std::string::npos);
  EXPECT_NE(r.output.find("/broken.log\n"), std::string::npos) << "the one failed service's file, by name: " << r.output;
  EXPECT_EQ(r.output.find("<service>"), std::string::npos) << r.output;
  bool logged = false;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / ".orchestrate" / "logs"))
    if (e.path().filename() == "broken.log") logged = read_all(e.path()).find("Traceback") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST(Up, TimeoutKillsTheWholeProcessGroup) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("timeout");
  dir.write("services.toml", header() +
                                 "\n[services.slow]\nschema = \"slow\"\nrunner = \"command\"\n"
                                 "command = [\"sh\", \"-c\", \"sleep 313.25 & sleep 313.25; echo never\"]\ntimeout = \"1s\"\n");
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("timed out; the process group was killed"), std::string::npos) << r.output;
  EXPECT_LT(took, 10s);
  std::this_thread::sleep_for(200ms);
  EXPECT_NE(std::system("pgrep -f '[s]leep 313.25' >/dev/null"), 0) << "a child of the timed-out service survived";
}

TEST(Up, ConcurrentRunsNeverBothApply) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lock");
  dir.write("s/0001_slow.sql", "SELECT pg_sleep(3);\nCREATE TABLE once (id int);\n");
  dir.write("services.toml", header("locktest") + sql_service("s", "s"));
  Orchestrate first({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(first.wait_for_output("applying 0001_slow.sql", 10s)) << first.output();
  // A second run that will not wait long enough: exit 4, naming who holds the lock.
  auto impatient = run_orchestrate({"up", "--lock-wait", "1s"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(impatient.code, 4) << impatient.output;
  EXPECT_NE(impatient.output.find("holds the lock of project locktest"), std::string::npos) << impatient.output;
  EXPECT_NE(impatient.output.find("orchestrate/lock"), std::string::npos) << impatient.output;
  EXPECT_NE(impatient.output.find("pid "), std::string::npos) << impatient.output;
  // A patient one waits, then finds nothing to do.
  auto patient = run_orchestrate({"up", "--lock-wait", "60s"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto r1 = first.wait();
  EXPECT_EQ(r1.code, 0) << r1.output;
  EXPECT_EQ(patient.code, 0) << patient.output;
  EXPECT_NE(patient.output.find("waiting up to 1m00s for the run lock"), std::string::npos) << patient.output;
  EXPECT_NE(patient.output.find("1 up-to-date"), std::string::npos) << patient.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM s.orchestrate_migrations"), "1");
}

TEST(Up, SigintMidRunLeavesLedgersConsistentAndRerunFinishes) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("sigint");
  // The middle file sleeps only while the database says so, so the rerun is quick.
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("ALTER DATABASE " + c->quote_name(db.name()) + " SET orchestrate_test.sleep = '30'");
  }
  dir.write("s/0001_first.sql", "CREATE TABLE first_t (id int);\n");
  dir.write("s/0002_slow.sql",
            "CREATE TABLE slow_t (id int);\n"
            "SELECT pg_sleep(coalesce(nullif(current_setting('orchestrate_test.sleep', true), ''), '0')::float);\n");
  dir.write("s/0003_last.sql", "CREATE TABLE last_t (id int);\n");
  dir.write("a/0001_a.sql", "CREATE TABLE a_t (id int);\n");
  dir.write("services.toml", header() + sql_service("s", "s") + sql_service("after", "a", "\"s\""));
  Orchestrate run({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("applying 0002_slow.sql", 10s)) << run.output();
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  run.signal(SIGINT);
  auto r = run.wait();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_NE(r.output.find("interrupted while applying 0002_slow.sql"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped (interrupted)"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM s.orchestrate_migrations"), "1");
  EXPECT_FALSE(db.table_exists("s.slow_t"));
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("ALTER DATABASE " + c->quote_name(db.name()) + " RESET orchestrate_test.sleep");
  }
  auto again = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM s.orchestrate_migrations"), "1,2,3");
  EXPECT_TRUE(db.table_exists("after.a_t"));
}

TEST(Up, SigintStopsAlembicAndItsTransactionRollsBack) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("sigint-alembic");
  // The example's users service, held inside its transaction by a lock the test holds.
  auto blocker = db.connect();
  pqxx::work hold(*blocker);
  hold.exec("CREATE SCHEMA users");
  hold.exec("CREATE TABLE users.placeholder (id int)");
  hold.exec("LOCK TABLE users.placeholder IN ACCESS EXCLUSIVE MODE");
  // Not committed: users' `CREATE SCHEMA IF NOT EXISTS users` waits on this transaction.
  Orchestrate run({"up", "--only", "users", "-f", (source_dir() / "services.toml").string()},
                  {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(run.wait_for_output("-m alembic", 15s)) << run.output();
  std::this_thread::sleep_for(1500ms);
  run.signal(SIGINT);
  auto r = run.wait();
  hold.abort();
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_NE(r.output.find("interrupted"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("users.alembic_version"));
  // The killed worker's backend was blocked on our lock; it notices its client is gone only once the
  // lock is released, so give it a moment (bounded) to go.
  std::string left;
  for (int i = 0; i < 50; ++i) {
    left = db.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'orchestrate/users'");
    if (left == "0") break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(left, "0");
}

TEST(Up, NoPasswordAppearsInAnyOutputOrLog) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("secrets");
  const std::string pw = "Tr1cky-Pa55word";
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'orch_secret_user') THEN "
            "CREATE ROLE orch_secret_user LOGIN SUPERUSER PASSWORD '" + pw + "'; END IF; END $$");
  }
  dir.write("s/0001_bad.sql", "SELECT 'oops' FROM nowhere;\n");
  dir.write("services.toml", header() + sql_service("s", "s") +
                                 "\n[services.echo]\nschema = \"echo\"\nrunner = \"command\"\n"
                                 "command = [\"sh\", \"-c\", \"echo url=$DATABASE_URL; echo raw=$SECRET_COPY; exit 3\"]\n"
                                 "env = { SECRET_COPY = \"" + pw + "\" }\n");
  std::string url = db.url_with_password("orch_secret_user", pw);
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", url}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("url=postgresql://orch_secret_user:***@"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(pw), std::string::npos) << r.output;
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / ".orchestrate")) {
    if (!e.is_regular_file()) continue;
    EXPECT_EQ(read_all(e.path()).find(pw), std::string::npos) << e.path();
  }
  // A file: secret is scrubbed whole.
  dir.write("secret-url", url + "\n");
  dir.write("services.toml", "[project]\nname = \"sec\"\ndatabase = \"file:" + (dir.path() / "secret-url").string() +
                                 "\"\n" + sql_service("s", "s"));
  auto r2 = run_orchestrate({"up"}, {}, dir.path());
  EXPECT_EQ(r2.code, 1);
  EXPECT_EQ(r2.output.find(pw), std::string::npos) << r2.output;
}

TEST(Up, ManifestErrorsExitTwoAndChangeNothing) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("manifest");
  dir.write("services.toml", header() + "\n[services.x]\nschema = \"x\"\nrunner = \"sql\"\npath = \"nope\"\n");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("services.toml:11:8: error: path \"nope\" of service x is not a directory"), std::string::npos)
      << r.output;
  auto unknown = run_orchestrate({"up", "--only", "nobody"}, {{"DATABASE_URL", db.url()}}, source_dir());
  EXPECT_EQ(unknown.code, 2);
  auto usage = run_orchestrate({"up", "--jobs", "zero"}, {}, source_dir());
  EXPECT_EQ(usage.code, 2);
}

TEST(Up, ChildrenInheritOnlyStdinStdoutStderr) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("fds");
  // Database sockets and other children's pipes must not leak into tools: a worker would never see
  // end-of-file on its stdin while another child holds a copy of the write end.
  dir.write("services.toml", header() + "\n[services.fds]\nschema = \"fds\"\nrunner = \"command\"\n"
                                         "command = [\"sh\", \"-c\", \"n=0; for fd in 3 4 5 6 7 8 9 10 11 12 13 14; do "
                                         "[ -e /proc/self/fd/$fd ] && n=$((n+1)); done; echo leaked: $n\"]\n");
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("leaked: 0"), std::string::npos) << r.output;
}

// status, the RLS phase, history and reports: the real binary against a real PostgreSQL.
#include <nlohmann/json.hpp>

#include <signal.h>

#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string kManifest = (source_dir() / "services.toml").string();

RunResult orch(const TestDatabase& db, std::vector<std::string> args, const fs::path& cwd = source_dir()) {
  return run_orchestrate(std::move(args), {{"DATABASE_URL", db.url()}}, cwd);
}

json parse_json(const std::string& s) {
  auto start = s.find('{');
  return json::parse(s.substr(start));
}

const json& service(const json& j, const std::string& name) {
  for (const auto& s : j["services"])
    if (s["name"] == name) return s;
  throw std::runtime_error("no service " + name);
}

// A small project: one sql service whose tables the RLS tests protect or not.
std::string rls_project(const std::string& rls_section) {
  return "[project]\nname = \"rlstest\"\ndatabase = \"env:DATABASE_URL\"\n\n"
         "[services.app]\nschema = \"app\"\nrunner = \"sql\"\npath = \"app\"\n\n" +
         rls_section;
}

void write_app(const TempDir& dir) {
  dir.write("app/0001_tables.sql",
            "CREATE TABLE notes (id int PRIMARY KEY, user_id int NOT NULL);\n"
            "CREATE TABLE photos (id int PRIMARY KEY, user_id int NOT NULL);\n"
            "CREATE TABLE settings (key text PRIMARY KEY, value text);\n");
}

std::string policies_count(const TestDatabase& db, const std::string& schema) {
  return db.scalar("SELECT count(*) FROM pg_policies WHERE schemaname = '" + schema + "'");
}

}  // namespace

TEST(Status, BeforeAndAfterUpAsTableAndJson) {
  REQUIRE_DATABASE();
  TestDatabase db;
  auto before = orch(db, {"status", "--format", "json"});
  ASSERT_EQ(before.code, 0) << before.output;
  json j = parse_json(before.output);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["project"], "mindmirror");
  EXPECT_EQ(j["target"], "default");
  EXPECT_EQ(service(j, "users")["state"], "not-initialised");
  EXPECT_EQ(service(j, "users")["pending"].size(), 3u);
  EXPECT_EQ(service(j, "meals")["heads"][0], "0003");
  EXPECT_EQ(orch(db, {"status", "--check"}).code, 3);

  ASSERT_EQ(orch(db, {"up"}).code, 0);
  auto after = orch(db, {"status", "--format", "json"});
  j = parse_json(after.output);
  for (const auto& s : j["services"]) {
    EXPECT_EQ(s["state"], "up-to-date") << s.dump();
    EXPECT_EQ(s["current"], s["heads"]);
    EXPECT_TRUE(s["pending"].empty());
    EXPECT_FALSE(s["last_applied_at"].is_null()) << s.dump();
    EXPECT_FALSE(s["last_run"].is_null());
  }
  EXPECT_EQ(j["rls"]["configured"], true);
  EXPECT_EQ(j["rls"]["tables_checked"], 12);
  EXPECT_TRUE(j["rls"]["uncovered"].empty()) << j["rls"].dump();
  auto check = orch(db, {"status", "--check"});
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_NE(check.output.find("RLS: 12 tables in users, habits, journal, meals, movements, practices: all protected"),
            std::string::npos)
      << check.output;
}

TEST(Status, AheadUnknownAndTablesWithoutVersion) {
  REQUIRE_DATABASE();
  TestDatabase db;
  ASSERT_EQ(orch(db, {"up", "--only", "journal"}).code, 0);
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("UPDATE journal.alembic_version SET version_num = 'f00dfeed1234'");
    tx.exec("CREATE SCHEMA habits");
    tx.exec("CREATE TABLE habits.habit_templates (id int)");  // metadata.create_all(), not a migration
  }
  auto r = orch(db, {"status", "--format", "json"});
  json j = parse_json(r.output);
  EXPECT_EQ(service(j, "journal")["state"], "ahead/unknown");
  EXPECT_NE(service(j, "journal")["detail"].get<std::string>().find("f00dfeed1234, which no revision file declares"),
            std::string::npos);
  EXPECT_EQ(service(j, "habits")["state"], "tables-without-version");
  EXPECT_NE(service(j, "habits")["detail"].get<std::string>().find("created outside migrations"), std::string::npos);
  auto check = orch(db, {"status", "--check"});
  EXPECT_EQ(check.code, 3);
  EXPECT_NE(check.output.find("ahead/unknown"), std::string::npos);
}

TEST(Status, WorksWhileUpHoldsTheLock) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("status-lock");
  dir.write("slow/0001_slow.sql", "SELECT pg_sleep(4);\nCREATE TABLE t (id int);\n");
  dir.write("services.toml", "[project]\nname = \"busy\"\ndatabase = \"env:DATABASE_URL\"\n\n"
                             "[services.slow]\nschema = \"slow\"\nrunner = \"sql\"\npath = \"slow\"\n");
  Orchestrate up({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_TRUE(up.wait_for_output("applying 0001_slow.sql", 10s)) << up.output();
  auto t0 = std::chrono::steady_clock::now();
  auto st = orch(db, {"status", "--format", "json"}, dir.path());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(st.code, 0) << st.output;
  EXPECT_EQ(service(parse_json(st.output), "slow")["state"], "pending");
  EXPECT_EQ(up.wait().code, 0);
  EXPECT_EQ(service(parse_json(orch(db, {"status", "--format", "json"}, dir.path()).output), "slow")["state"],
            "up-to-date");
}

TEST(Rls, FileNamingAMissingTableFailsWithFileLineAndLeavesNoPolicy) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-missing");
  write_app(dir);
  dir.write("rls/policies.sql",
            "ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\n"
            "CREATE POLICY own ON app.notes USING (user_id = 1);\n"
            "\n"
            "-- the old script would have skipped this silently\n"
            "ALTER TABLE app.vouchers\n"
            "  ENABLE ROW LEVEL SECURITY;\n");
  dir.write("services.toml", rls_project("[rls]\nfiles = [\"rls/policies.sql\"]\n"));
  auto r = orch(db, {"up"}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("RLS phase FAILED: rls/policies.sql:5: relation \"app.vouchers\" does not exist"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(policies_count(db, "app"), "0");  // line 2's policy was rolled back with the rest
  EXPECT_EQ(db.scalar("SELECT relrowsecurity FROM pg_class WHERE oid = 'app.notes'::regclass"), "f");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM app.orchestrate_migrations"), "1");  // migrations themselves stand
}

TEST(Rls, TransactionControlInAFileIsRefusedBeforeAnythingRuns) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-begin");
  write_app(dir);
  dir.write("rls/a.sql", "ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\n");
  dir.write("rls/b.sql", "BEGIN;\nCREATE POLICY own ON app.photos USING (true);\nCOMMIT;\n");
  dir.write("services.toml", rls_project("[rls]\nfiles = [\"rls/a.sql\", \"rls/b.sql\"]\n"));
  auto r = orch(db, {"up"}, dir.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("rls/b.sql:1: BEGIN is not allowed in an RLS file"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT relrowsecurity FROM pg_class WHERE oid = 'app.notes'::regclass"), "f");
}

TEST(Rls, DeclarativePoliciesCoverTablesWithTheColumnAndRequireFindsTheRest) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-decl");
  write_app(dir);
  const std::string policy =
      "[[rls.policy]]\nname = \"owner_access\"\nschemas = [\"app\"]\nwhen_column = \"user_id\"\n"
      "command = \"ALL\"\nroles = [\"public\"]\nusing = \"user_id = 42\"\nwith_check = \"user_id = 42\"\n";
  dir.write("services.toml", rls_project("[rls]\nrequire = [\"app\"]\n\n" + policy));
  auto r = orch(db, {"up", "--report", "junit:" + (dir.path() / "r.xml").string(), "--report",
                     "json:" + (dir.path() / "r.json").string()},
                dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("RLS verification FAILED: 1 of 3 tables in app is not protected"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("app.settings: RLS not enabled, no policy"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_policies WHERE schemaname = 'app'"),
            "notes,photos");
  EXPECT_EQ(db.scalar("SELECT polname FROM pg_policy WHERE polrelid = 'app.notes'::regclass"), "owner_access");
  json rep = json::parse(read_all(dir.path() / "r.json"));
  EXPECT_EQ(rep["rls"]["coverage"]["uncovered"][0]["table"], "app.settings");
  EXPECT_NE(read_all(dir.path() / "r.xml").find("<testcase classname=\"up.rlstest.default\" name=\"rls\""),
            std::string::npos);
  EXPECT_EQ(orch(db, {"rls", "--verify"}, dir.path()).code, 1);
  EXPECT_EQ(orch(db, {"status", "--check"}, dir.path()).code, 3);

  // Deliberately open: excluded, and the run passes. A re-run re-applies idempotently.
  dir.write("services.toml", rls_project("[rls]\nrequire = [\"app\"]\nexclude = [\"app.settings\"]\n\n" + policy));
  auto again = orch(db, {"up"}, dir.path());
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(orch(db, {"rls", "--verify"}, dir.path()).code, 0);
  EXPECT_EQ(policies_count(db, "app"), "2");
}

TEST(Rls, RequiredSchemaThatDoesNotExistIsUncovered) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-noschema");
  write_app(dir);
  dir.write("services.toml", rls_project("[rls]\nrequire = [\"app_typo\"]\n"));
  auto r = orch(db, {"rls", "--verify"}, dir.path());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("app_typo.*: schema does not exist"), std::string::npos) << r.output;
}

TEST(History, ListsRuns) {
  REQUIRE_DATABASE();
  TestDatabase db;
  EXPECT_NE(orch(db, {"history"}).output.find("no runs recorded"), std::string::npos);
  ASSERT_EQ(orch(db, {"up", "--only", "users"}).code, 0);
  ASSERT_EQ(orch(db, {"up"}).code, 0);
  auto h = orch(db, {"history", "--format", "json"});
  ASSERT_EQ(h.code, 0) << h.output;
  json j = parse_json(h.output);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["outcome"], "succeeded");
  EXPECT_EQ(j["runs"][0]["services"], 6);
  EXPECT_EQ(j["runs"][1]["applied"], 3);  // the first run: users only
  auto table = orch(db, {"history", "--limit", "1"});
  EXPECT_EQ(count_of(table.output, "\n"), 2) << table.output;  // header + one run
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orchestrate.run_steps"), "7");
}

TEST(Reports, UpWritesMarkdownForAPullRequest) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("reports");
  auto md = dir.path() / "up.md";
  auto r = orch(db, {"up", "--report", "markdown:" + md.string()});
  ASSERT_EQ(r.code, 0) << r.output;
  std::string text = read_all(md);
  EXPECT_NE(text.find("### orchestrate up on default: succeeded"), std::string::npos) << text;
  EXPECT_NE(text.find("| practices | alembic | practices | (none) → `9c4b7e1d5f28` | 1 |"), std::string::npos) << text;
  auto bad = orch(db, {"status", "--report", "yaml:x"});
  EXPECT_EQ(bad.code, 2);
}

TEST(Rls, NotReappliedWhenNothingChangedButAfterDrift) {
  REQUIRE_DATABASE();
  TestDatabase db;
  auto first = orch(db, {"up"});
  ASSERT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("RLS phase applied"), std::string::npos);
  auto second = orch(db, {"up"});
  ASSERT_EQ(second.code, 0);
  EXPECT_NE(second.output.find("RLS phase unchanged since run "), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("RLS verified"), std::string::npos);  // verified all the same
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("DROP POLICY owner_access ON journal.entries");  // someone's manual change
  }
  auto third = orch(db, {"up"});
  ASSERT_EQ(third.code, 0) << third.output;
  EXPECT_NE(third.output.find("RLS phase applied"), std::string::npos) << third.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_policies WHERE tablename = 'entries' AND policyname = 'owner_access'"), "1");
}

TEST(Status, WatchRedrawsUntilInterrupted) {
  REQUIRE_DATABASE();
  TestDatabase db;
  Orchestrate watch({"status", "--watch", "--interval", "200ms"}, {{"DATABASE_URL", db.url()}}, source_dir());
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (count_of(watch.output(), "SERVICE    RUNNER") < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_GE(count_of(watch.output(), "SERVICE    RUNNER"), 3) << watch.output();  // redrawn, not printed once
  watch.signal(SIGINT);
  auto r = watch.wait();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos);  // not a terminal: no screen clearing
}

TEST(Rls, GivesUpOnALockedTableAfterLockTimeout) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rls-lock");
  write_app(dir);
  dir.write("rls/p.sql", "ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;\nCREATE POLICY own ON app.notes USING (true);\n");
  dir.write("services.toml", rls_project("[rls]\nfiles = [\"rls/p.sql\"]\nlock_timeout = \"1s\"\nlock_retries = 1\n"));
  ASSERT_EQ(orch(db, {"up", "--only", "app"}, dir.path()).code, 0);
  auto holder = db.connect();
  pqxx::work busy(*holder);
  busy.exec("SELECT * FROM app.notes");  // a long-running transaction holds a lock on the table
  auto t0 = std::chrono::steady_clock::now();
  auto r = orch(db, {"rls"}, dir.path());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("rls/p.sql:1: canceling statement due to lock timeout"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("a long transaction holds it"), std::string::npos);
  EXPECT_NE(r.output.find("gave up after 2 attempts (each waited 1.0s for a table lock); a lock on app.notes is held by pid"), std::string::npos) << r.output;
  busy.abort();
  EXPECT_EQ(orch(db, {"rls"}, dir.path()).code, 0);
}

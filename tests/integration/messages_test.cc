// Messages at the worst moment, on a real database: each says what is true and what to do.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"

using namespace itest;

namespace {

const char* kShop =
    "[project]\nname = \"shop\"\ndatabase = \"env:DATABASE_URL\"\nlock_timeout = \"200ms\"\nlock_retries = 0\n"
    "[services.shop]\nschema = \"shop\"\nrunner = \"sql\"\npath = \"shop\"\n";

}  // namespace

TEST(Messages, ALockHeldByAnotherRolesSessionSaysWhoCanSeeItsQuery) {
  REQUIRE_DATABASE();
  TestDatabase db;
  db.exec("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'orch_plain') THEN "
          "CREATE ROLE orch_plain LOGIN; END IF; END $$");
  db.exec("GRANT CREATE ON DATABASE \"" + db.name() + "\" TO orch_plain");
  TempDir dir("messages-lock");
  dir.write("services.toml", kShop);
  dir.write("shop/0001_t.sql", "CREATE TABLE t (id int);\n");
  const std::map<std::string, std::string> env = {{"DATABASE_URL", db.url_with_password("orch_plain", "x")}};
  auto first = run_orchestrate({"--no-dashboard", "up"}, env, dir.path());
  ASSERT_EQ(first.code, 0) << first.output;
  OpenTransaction hold(db);  // the superuser's session: orch_plain sees neither its host nor its query
  hold.exec("LOCK TABLE shop.t IN ACCESS EXCLUSIVE MODE");
  dir.write("shop/0002_alter.sql", "ALTER TABLE t ADD COLUMN x int;\n");
  auto blocked = run_orchestrate({"--no-dashboard", "up"}, env, dir.path());
  EXPECT_EQ(blocked.code, 1) << blocked.output;
  EXPECT_NE(blocked.output.find("a lock on shop.t is held by pid"), std::string::npos) << blocked.output;
  EXPECT_NE(blocked.output.find("; its host, state and query are hidden from this role: one with pg_read_all_stats, "
                                "or a superuser, sees them)"), std::string::npos) << blocked.output;
  EXPECT_EQ(blocked.output.find("<insufficient privilege>"), std::string::npos) << blocked.output;
}

TEST(Messages, RlsCountsTablesNotPoliciesAndSaysWhenNothingWasRequired) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("messages-rls");
  dir.write("services.toml", std::string(kShop) +
                                 "[[rls.policy]]\nname = \"owner\"\nschemas = [\"shop\"]\ncommand = \"ALL\"\n"
                                 "roles = [\"public\"]\nusing = \"true\"\n"
                                 "[[rls.policy]]\nname = \"reader\"\nschemas = [\"shop\"]\ncommand = \"SELECT\"\n"
                                 "roles = [\"public\"]\nusing = \"true\"\n");
  dir.write("shop/0001_t.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n");
  auto r = run_orchestrate({"--no-dashboard", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  // Two policies on each of two tables: 2 tables, not 4.
  EXPECT_NE(r.output.find("declarative policies on 2 tables"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("RLS: nothing was verified: [rls] require names no schema"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("all 0 tables in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("run "), std::string::npos);
  EXPECT_NE(r.output.find(": 1 service of shop on"), std::string::npos) << r.output;  // not "1 services"
  EXPECT_NE(r.output.find("\n1 service: 1 applied"), std::string::npos) << r.output;
}

// A service directory deleted after the manifest was written: `status` shows that service broken, at
// the manifest's line, and every other service as usual; `up` and `check` refuse the manifest, naming
// the same path (issue 22).
TEST(Messages, OneMissingServiceDirectoryDoesNotHideTheOthersInStatus) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("messages-missing-dir");
  dir.write("services.toml", std::string(kShop) + "[services.journal_service]\nschema = \"journal\"\nrunner = \"sql\"\n"
                                                 "path = \"journal_service\"\n");
  dir.write("shop/0001_t.sql", "CREATE TABLE t (id int);\n");
  dir.write("journal_service/0001_j.sql", "CREATE TABLE j (id int);\n");
  const std::map<std::string, std::string> env = {{"DATABASE_URL", db.url()}};
  ASSERT_EQ(run_orchestrate({"--no-dashboard", "up"}, env, dir.path()).code, 0);
  fs::rename(dir.path() / "journal_service", dir.path() / "journal-service");
  auto st = run_orchestrate({"status"}, env, dir.path());
  EXPECT_EQ(st.code, 0) << st.output;  // as for any service in error; --check says 3
  EXPECT_NE(st.output.find("shop"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("up-to-date"), std::string::npos) << st.output;
  EXPECT_NE(st.output.find("journal_service: services.toml:13:8: path \"journal_service\" of service journal_service is "
                           "not a directory (looked in " + (dir.path() / "journal_service").string() +
                           "); did you mean \"journal-service\"?"), std::string::npos) << st.output;
  EXPECT_EQ(st.output.find("nothing was changed"), std::string::npos) << st.output;
  auto json = run_orchestrate({"status", "--format", "json"}, env, dir.path());
  auto j = nlohmann::json::parse(json.output);
  ASSERT_EQ(j["services"].size(), 2u) << json.output;
  EXPECT_EQ(j["services"][0]["state"], "up-to-date") << json.output;
  EXPECT_EQ(j["services"][1]["state"], "error") << json.output;
  EXPECT_EQ(j["services"][1]["current"], nlohmann::json::array({"1"})) << json.output;  // the ledger's, still true
  EXPECT_EQ(run_orchestrate({"status", "--check"}, env, dir.path()).code, 3);
  for (const char* cmd : {"up", "check"}) {
    auto r = run_orchestrate({"--no-dashboard", cmd}, env, dir.path());
    EXPECT_EQ(r.code, 2) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("services.toml:13:8: error: path \"journal_service\" of service journal_service is not a "
                            "directory"), std::string::npos) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("hint: did you mean \"journal-service\"?"), std::string::npos) << cmd << ": " << r.output;
  }
}

// Alembic trees kept with two labelled heads (expand/contract, a contract revision depending on an
// expand one: tests/fixtures/expand_contract), and plan --sql when one service's offline mode fails: the
// real binary, a real PostgreSQL, real Alembic.
#include <nlohmann/json.hpp>

#include "harness.h"

using namespace itest;
using json = nlohmann::json;

namespace {

const std::string kPsql = "/usr/lib/postgresql/15/bin/psql";

std::string fixture(const std::string& name) { return (source_dir() / "tests" / "fixtures" / name).string(); }

// One alembic service on the expand/contract tree, with `target` when given; more services appended.
std::string manifest(const std::string& target, const std::string& more = "") {
  return "[project]\nname = \"branches\"\ndatabase = \"env:DATABASE_URL\"\n\n[runners.alembic]\n"
         "command = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n\n[services.ec]\nschema = \"ec\"\nrunner = \"alembic\"\n"
         "path = \"" + fixture("expand_contract") + "\"\n" + (target.empty() ? "" : "target = \"" + target + "\"\n") + more;
}

RunResult orch(const TestDatabase& db, const TempDir& dir, std::vector<std::string> args) {
  return run_orchestrate(std::move(args), {{"DATABASE_URL", db.url()}}, dir.path());
}

std::string rows(const TestDatabase& db) {
  return db.scalar("SELECT string_agg(version_num, ',' ORDER BY version_num) FROM ec.alembic_version");
}

std::string columns(const TestDatabase& db, const std::string& table) {
  return db.scalar("SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns "
                   "WHERE table_schema = 'ec' AND table_name = '" + table + "'");
}

const json* branch(const json& service, const std::string& label) {
  for (const auto& b : service["branches"])
    if (b["label"] == label) return &b;
  return nullptr;
}

}  // namespace

TEST(Branches, ExpandContractTreeChecksCleanReachesBothHeadsAndShowsEachBranch) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("branches");
  dir.write("services.toml", manifest(""));
  auto check = orch(db, dir, {"check"});
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_EQ(check.output.find("heads and no merge"), std::string::npos) << check.output;

  auto up = orch(db, dir, {"--no-dashboard", "up"});
  ASSERT_EQ(up.code, 0) << up.output;
  EXPECT_NE(up.output.find("upgrade heads"), std::string::npos) << up.output;
  // c1 joined e1's row (depends_on), e2 started one of its own: one row per head.
  EXPECT_EQ(rows(db), "c2,e3");
  EXPECT_EQ(columns(db, "items"), "id,name");
  EXPECT_EQ(columns(db, "tags"), "id,label");

  // Both heads are held: the next up decides so from the files, without starting Python.
  auto again = orch(db, dir, {"--no-dashboard", "up"});
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("Alembic not started"), std::string::npos) << again.output;
  EXPECT_EQ(count_of(again.output, "-m alembic"), 0) << again.output;

  auto status = orch(db, dir, {"status", "--format", "json"});
  ASSERT_EQ(status.code, 0) << status.output;
  json s = json::parse(status.output)["services"][0];
  EXPECT_EQ(s["state"], "up-to-date") << s.dump(2);
  EXPECT_EQ(s["target"], "heads");
  ASSERT_EQ(s["branches"].size(), 2u) << s.dump(2);
  ASSERT_TRUE(branch(s, "expand") && branch(s, "contract")) << s.dump(2);
  EXPECT_EQ((*branch(s, "expand"))["current"], json::array({"e3"})) << s.dump(2);
  EXPECT_EQ((*branch(s, "contract"))["current"], json::array({"c2"})) << s.dump(2);
  auto table = orch(db, dir, {"status"});
  EXPECT_NE(table.output.find("ec: branch contract at c2 (head)"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("ec: branch expand at e3 (head)"), std::string::npos) << table.output;
  EXPECT_EQ(orch(db, dir, {"status", "--check"}).code, 0);
}

TEST(Branches, ExpandAtHeadAppliesOnlyTheExpandBranch) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("expand-only");
  dir.write("services.toml", manifest("expand@head"));
  auto up = orch(db, dir, {"--no-dashboard", "up"});
  ASSERT_EQ(up.code, 0) << up.output;
  EXPECT_NE(up.output.find("upgrade expand@head"), std::string::npos) << up.output;
  EXPECT_EQ(rows(db), "e3");
  EXPECT_EQ(columns(db, "items"), "id,legacy,name") << "contract's c1 ran";
  // At the target's head, though not at every head: the next up is decided from the files alone.
  auto again = orch(db, dir, {"--no-dashboard", "up"});
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("at head e3 (read from the revision files); Alembic not started"), std::string::npos)
      << again.output;
  EXPECT_EQ(count_of(again.output, "-m alembic"), 0) << again.output;

  auto status = orch(db, dir, {"status", "--format", "json"});
  json s = json::parse(status.output)["services"][0];
  EXPECT_EQ(s["state"], "up-to-date") << s.dump(2);
  EXPECT_EQ(s["pending"], json::array()) << s.dump(2);
  ASSERT_TRUE(branch(s, "contract")) << s.dump(2);
  EXPECT_EQ((*branch(s, "contract"))["current"], json::array()) << s.dump(2);
  EXPECT_EQ((*branch(s, "contract"))["heads"], json::array({"c2"})) << s.dump(2);
  auto table = orch(db, dir, {"status"});
  EXPECT_NE(table.output.find("ec: branch contract at base, head c2 (outside target expand@head)"), std::string::npos)
      << table.output;

  // The rest of the tree once the target is the default again: only contract's revisions run.
  dir.write("services.toml", manifest(""));
  auto plan = orch(db, dir, {"plan", "--format", "json"});
  EXPECT_NE(plan.output.find("\"c1\""), std::string::npos) << plan.output;
  EXPECT_EQ(plan.output.find("\"e2\""), std::string::npos) << plan.output;
  ASSERT_EQ(orch(db, dir, {"--no-dashboard", "up"}).code, 0);
  EXPECT_EQ(rows(db), "c2,e3");
}

TEST(Branches, UnknownBranchIsAnErrorAtTheKeyInCheckAndStatus) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("bad-target");
  dir.write("services.toml", manifest("expnad@head"));
  auto check = orch(db, dir, {"check"});
  EXPECT_EQ(check.code, 3) << check.output;
  EXPECT_NE(check.output.find("services.toml:12:10"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("no branch label or revision \"expnad\""), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("did you mean \"expand@head\"?"), std::string::npos) << check.output;
  auto status = orch(db, dir, {"status"});
  EXPECT_NE(status.output.find("error"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("services.toml:12:10: target \"expnad@head\""), std::string::npos) << status.output;
}

// A database on both branches, neither at its head: plan --sql prints one offline range per branch, and
// psql applying it leaves the schema and version rows `up` leaves.
TEST(Branches, PlanSqlOnTwoBranchesIsARangePerBranchAndMatchesUp) {
  REQUIRE_DATABASE();
  TestDatabase applied, migrated;
  TempDir dir("branch-ranges");
  for (const TestDatabase* db : {&applied, &migrated}) {
    for (const std::string target : {"e2", "c1"}) {
      dir.write("services.toml", manifest(target));
      auto r = orch(*db, dir, {"--no-dashboard", "up"});
      ASSERT_EQ(r.code, 0) << target << "\n" << r.output;
    }
    ASSERT_EQ(rows(*db), "c1,e2");
  }
  dir.write("services.toml", manifest(""));
  auto sql = orch(applied, dir, {"plan", "--sql"});
  ASSERT_EQ(sql.code, 0) << sql.output;
  EXPECT_NE(sql.output.find("-- alembic upgrade c1:c2 --sql"), std::string::npos) << sql.output;
  EXPECT_NE(sql.output.find("-- alembic upgrade e2:e3 --sql"), std::string::npos) << sql.output;
  auto file = dir.write("plan.sql", sql.output);
  std::string cmd = kPsql + " -X -q -v ON_ERROR_STOP=1 -f " + file.string() + " '" + applied.url() + "' >/dev/null 2>" +
                    (dir.path() / "err").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_all(dir.path() / "err") << "\n" << sql.output;
  ASSERT_EQ(orch(migrated, dir, {"--no-dashboard", "up"}).code, 0);
  EXPECT_EQ(rows(applied), rows(migrated));
  EXPECT_EQ(rows(applied), "c2,e3");
  EXPECT_EQ(columns(applied, "tags"), columns(migrated, "tags"));
  EXPECT_EQ(applied.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'items_name'"), "1");
}

TEST(PlanSql, AServiceWhoseOfflineModeFailsIsACommentBlockAndTheOthersArePrinted) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("plan-fails");
  const std::string secret = "s3cr3t-offline-pw";
  dir.write("services.toml",
            manifest("", "\n[services.off]\nschema = \"off\"\nrunner = \"alembic\"\npath = \"" + fixture("offline_fails") +
                             "\"\n"));
  auto r = run_orchestrate({"plan", "--sql"}, {{"DATABASE_URL", db.url_with_password("postgres", secret)}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("CREATE TABLE ec.items"), std::string::npos) << "the other service's SQL\n" << r.output;
  EXPECT_NE(r.output.find("ALTER TABLE ec.tags ADD COLUMN label text"), std::string::npos) << r.output;
  auto block = r.output.find("-- ===== service off");
  ASSERT_NE(block, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("-- FAILED: this service's SQL could not be produced", block), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("-- error: ", block), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("o1 must read rows; it cannot run offline", block), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("error: no SQL for off: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(secret), std::string::npos) << "a secret reached the output\n" << r.output;
  // As files for a runner: nothing is written while a service's SQL is missing.
  const fs::path out = dir.path() / "migrations";
  auto files = run_orchestrate({"plan", "--sql", "--out", out.string()}, {{"DATABASE_URL", db.url_with_password("postgres", secret)}},
                               dir.path());
  EXPECT_EQ(files.code, 1) << files.output;
  EXPECT_NE(files.output.find("no SQL for off: "), std::string::npos) << files.output;
  EXPECT_NE(files.output.find("nothing was written"), std::string::npos) << files.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(files.output.find(secret), std::string::npos) << files.output;
}

// Policy rendering and the report formats, compared with golden files in tests/golden.
// Regenerate after an intended change: ORCHESTRATE_UPDATE_GOLDEN=1 build/tests/unit_tests
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "report/formats.h"
#include "rls/policy_render.h"

using namespace orch;

namespace {

std::string golden_path(const std::string& name) { return std::string(ORCHESTRATE_SOURCE_DIR) + "/tests/golden/" + name; }

void expect_golden(const std::string& name, const std::string& actual) {
  if (std::getenv("ORCHESTRATE_UPDATE_GOLDEN")) {
    std::ofstream(golden_path(name), std::ios::binary) << actual;
    return;
  }
  std::ifstream in(golden_path(name), std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << golden_path(name);
  std::ostringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), actual) << "golden " << name << " differs";
}

QuoteFn test_quote = [](const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
};

StatusReport sample_status() {
  StatusReport r;
  r.project = "mindmirror";
  r.target = "default";
  r.database = "postgresql://app:***@db/prod";
  r.generated_at = "2026-11-22T03:00:00Z";
  ServiceStatus a;
  a.name = "users";
  a.runner = "alembic";
  a.schema = "users";
  a.current = {"7f3d9b21c4e2"};
  a.heads = {"c2e8a4f6b913"};
  a.pending = {"c2e8a4f6b913"};
  a.pending_messages = {"profiles with preferences"};
  a.state = service_state::kPending;
  a.last_applied_at = "2026-11-20T10:00:00Z";
  a.last_run = LastRunInfo{"20261120T100000Z-abcd", "applied", "2026-11-20T10:00:01Z"};
  ServiceStatus b;
  b.name = "meals";
  b.runner = "sql";
  b.schema = "meals";
  b.current = {"0009"};
  b.heads = {"0003"};
  b.state = service_state::kAhead;
  b.detail = "the ledger holds version 9, which no file in meals declares";
  r.services = {a, b};
  r.rls_configured = true;
  r.rls.checked = true;
  r.rls.schemas = {"users", "meals"};
  r.rls.tables_checked = 4;
  r.rls.uncovered = {{"meals.vouchers", "RLS not enabled, no policy"}};
  r.rls.bypass_roles = {"postgres"};
  return r;
}

RunReport sample_run() {
  RunReport r;
  r.run_id = "20261122T030000Z-0001";
  r.project = "mindmirror";
  r.target = "default";
  r.started_at = "2026-11-22T03:00:00Z";
  r.finished_at = "2026-11-22T03:00:02Z";
  r.duration = Millis(2345);
  RunResult ok;
  ok.outcome = Outcome::Applied;
  ok.before = {};
  ok.after = {"c2e8a4f6b913"};
  ok.applied = 3;
  ok.duration = Millis(900);
  RunResult bad;
  bad.outcome = Outcome::Failed;
  bad.before = {"0001"};
  bad.after = {"0001"};
  bad.error = "meals/0002_x.sql:3: relation \"missing\" does not exist";
  bad.details = {"3 | INSERT INTO missing VALUES (1);", "the file's transaction was rolled back"};
  bad.duration = Millis(40);
  RunResult skipped;
  skipped.outcome = Outcome::Skipped;
  skipped.reason = "needs meals";
  r.services = {{"users", "alembic", "users", ok}, {"meals", "sql", "meals", bad}, {"practices", "alembic", "practices", skipped}};
  r.rls.state = RlsState::Skipped;
  r.rls.reason = "not every service succeeded (meals failed, practices skipped)";
  return r;
}

}  // namespace

TEST(PolicyRender, IdempotentStatementsWithQuotedIdentifiers) {
  PolicySpec p;
  p.name = "owner access";
  p.command = "ALL";
  p.roles = {"authenticated", "public", "Weird\"Role"};
  p.using_expr = "user_id = auth.uid()";
  p.with_check = "user_id = auth.uid()";
  auto sql = render_policy(p, "habits", "habit_events", true, test_quote);
  ASSERT_EQ(sql.size(), 4u);
  EXPECT_EQ(sql[0], "ALTER TABLE \"habits\".\"habit_events\" ENABLE ROW LEVEL SECURITY");
  EXPECT_EQ(sql[1], "ALTER TABLE \"habits\".\"habit_events\" FORCE ROW LEVEL SECURITY");
  EXPECT_EQ(sql[2], "DROP POLICY IF EXISTS \"owner access\" ON \"habits\".\"habit_events\"");
  EXPECT_EQ(sql[3],
            "CREATE POLICY \"owner access\" ON \"habits\".\"habit_events\" AS PERMISSIVE FOR ALL TO \"authenticated\", "
            "PUBLIC, \"Weird\"\"Role\" USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid())");
}

TEST(PolicyRender, SelectPolicyWithoutForceHasNoCheck) {
  PolicySpec p;
  p.name = "read";
  p.command = "SELECT";
  p.roles = {"authenticated"};
  p.using_expr = "true";
  auto sql = render_policy(p, "meals", "foods", false, test_quote);
  ASSERT_EQ(sql.size(), 3u);
  EXPECT_EQ(sql[2], "CREATE POLICY \"read\" ON \"meals\".\"foods\" AS PERMISSIVE FOR SELECT TO \"authenticated\" USING (true)");
}

TEST(Reports, StatusJsonGolden) { expect_golden("status.json", status_to_json(sample_status()).dump(2) + "\n"); }
TEST(Reports, StatusMarkdownGolden) { expect_golden("status.md", status_to_markdown(sample_status())); }
TEST(Reports, StatusJunitGolden) { expect_golden("status.junit.xml", status_to_junit(sample_status())); }
TEST(Reports, RunJsonGolden) { expect_golden("run.json", run_to_json(sample_run()).dump(2) + "\n"); }
TEST(Reports, RunMarkdownGolden) { expect_golden("run.md", run_to_markdown(sample_run())); }
TEST(Reports, RunJunitGolden) { expect_golden("run.junit.xml", run_to_junit(sample_run())); }

TEST(Reports, StatusTableAndCheckVerdict) {
  auto r = sample_status();
  std::ostringstream out;
  render_status_table(r, out, false);
  EXPECT_NE(out.str().find("users: pending c2e8a4f6b913 (profiles with preferences)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("meals.vouchers: RLS not enabled, no policy"), std::string::npos);
  EXPECT_FALSE(r.clean());
  for (auto& s : r.services) {
    s.state = service_state::kUpToDate;
    s.pending.clear();
  }
  EXPECT_FALSE(r.clean());  // the uncovered table still counts
  r.rls.uncovered.clear();
  EXPECT_TRUE(r.clean());
}

TEST(Reports, JsonKeyOrderIsStable) {
  auto j = status_to_json(sample_status());
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"schema_version", "project", "target", "generated_at", "services", "rls", "run_in_progress", "clean"}));
}

TEST(Reports, ReportTargetsParse) {
  auto t = parse_report_targets({"json:a.json", "junit:/tmp/x.xml"});
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)[1].format, "junit");
  EXPECT_EQ((*t)[1].path, "/tmp/x.xml");
  auto typo = parse_report_targets({"jsn:a"});
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().hint, "did you mean \"json\"?");
  EXPECT_EQ(typo.error().exit_code, 2);
  EXPECT_FALSE(parse_report_targets({"json"}));
}

TEST(Reports, AFleetTooWideForTheMatrixIsSummarisedWithTheOddTargetsByName) {
  std::vector<StatusReport> fleet;
  for (int i = 0; i < 40; ++i) {
    StatusReport r = sample_status();
    r.target = "tenant-" + std::to_string(i);
    for (auto& s : r.services) s.state = service_state::kUpToDate;
    if (i == 7) r.services[0].state = service_state::kPending;
    fleet.push_back(r);
  }
  std::ostringstream wide, narrow;
  render_status_matrix_or_summary(fleet, narrow, false, 120);
  EXPECT_NE(narrow.str().find("40 targets (summary"), std::string::npos) << narrow.str();
  EXPECT_NE(narrow.str().find(fleet[0].services[0].name + ": 39 up-to-date, 1 pending"), std::string::npos) << narrow.str();
  EXPECT_NE(narrow.str().find(fleet[0].services[0].name + " pending on tenant-7"), std::string::npos) << narrow.str();
  render_status_matrix_or_summary({fleet[0], fleet[7]}, wide, false, 120);
  EXPECT_EQ(wide.str().find("summary"), std::string::npos) << wide.str();  // two targets fit: the matrix
}

TEST(Reports, StatusTableShowsEachBranchOfALabelledTree) {
  StatusReport r = sample_status();
  ServiceStatus& s = r.services[0];
  s.target = "expand@head";
  s.branches = {{"contract", {}, {"c2"}, {}}, {"expand", {"e2"}, {"e3"}, {"e3"}}, {"other", {"o1"}, {"o1"}, {}}};
  std::ostringstream out;
  render_status_table(r, out, false);
  EXPECT_NE(out.str().find("users: branch contract at base, head c2 (outside target expand@head)"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("users: branch expand at e2, head e3: 1 pending"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("users: branch other at o1 (head)"), std::string::npos) << out.str();
  auto j = status_to_json(r);
  EXPECT_EQ(j["services"][0]["target"], "expand@head");
  EXPECT_EQ(j["services"][0]["branches"][1].dump(), R"({"label":"expand","current":["e2"],"heads":["e3"],"pending":["e3"]})");
  EXPECT_TRUE(j["services"][1]["target"].is_null());
}

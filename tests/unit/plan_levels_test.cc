// `plan` shows dependency levels, not the -j slots a run fills, and names the services `up` would not
// migrate (the command then exits 3): issue 22.
#include <gtest/gtest.h>

#include <sstream>

#include "engine/plan_engine.h"
#include "report/plan_report.h"

using namespace orch;

namespace {

Manifest manifest_of(const std::vector<std::pair<std::string, std::vector<std::string>>>& services) {
  Manifest m;
  m.project_name = "levels";
  for (const auto& [name, deps] : services) {
    ServiceSpec s;
    s.name = name;
    s.schema = name;
    s.runner = "sql";
    s.depends_on = deps;
    m.services.push_back(s);
  }
  return m;
}

StatusReport status_of(const Manifest& m, ServiceState state = service_state::kUpToDate) {
  StatusReport r;
  r.project = m.project_name;
  r.target = "default";
  for (const auto& s : m.services) {
    ServiceStatus st;
    st.name = s.name;
    st.runner = s.runner;
    st.schema = s.schema;
    st.state = state;
    r.services.push_back(st);
  }
  return r;
}

std::string text_of(const Manifest& m, const PlanView& v) {
  std::ostringstream o;
  render_plan_text(m, v, o);
  return o.str();
}

}  // namespace

TEST(PlanLevels, SixIndependentServicesAreOneLevelWhateverTheSlots) {
  Manifest m = manifest_of({{"a", {}}, {"b", {}}, {"c", {}}, {"d", {}}, {"e", {}}, {"f", {}}});
  auto v = make_plan(m, status_of(m), 4);
  ASSERT_TRUE(v);
  ASSERT_EQ(v->levels.size(), 1u);
  EXPECT_EQ(v->levels[0], (std::vector<int>{0, 1, 2, 3, 4, 5}));
  std::string t = text_of(m, *v);
  EXPECT_NE(t.find("level 1: a, b, c, d, e, f (independent of each other: up to 4 at once)"), std::string::npos) << t;
  EXPECT_EQ(t.find("level 2"), std::string::npos) << t;
  EXPECT_EQ(t.find("wave"), std::string::npos) << t;
  EXPECT_NE(t.find("1 dependency level, up to 4 services at once"), std::string::npos) << t;
}

TEST(PlanLevels, ALevelHoldsServicesWhoseDependenciesAreAllInLowerLevels) {
  // practices needs movements (level 2), so it is level 3 even though users is its other dependency.
  Manifest m = manifest_of({{"users", {}}, {"habits", {"users"}}, {"movements", {"users"}},
                            {"practices", {"users", "movements"}}, {"solo", {}}});
  auto v = make_plan(m, status_of(m), 1);
  ASSERT_TRUE(v);
  ASSERT_EQ(v->levels.size(), 3u);
  EXPECT_EQ(v->levels[0], (std::vector<int>{0, 4}));
  EXPECT_EQ(v->levels[1], (std::vector<int>{1, 2}));
  EXPECT_EQ(v->levels[2], (std::vector<int>{3}));
  std::string t = text_of(m, *v);
  EXPECT_NE(t.find("level 2, after level 1: habits, movements (independent of each other: up to 1 at once)"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("level 3, after level 2: practices\n"), std::string::npos) << t;
}

TEST(PlanLevels, ServicesInErrorAreNamedAndTheRestStillPlanned) {
  Manifest m = manifest_of({{"ok", {}}, {"broken", {}}, {"old", {}}});
  StatusReport st = status_of(m, service_state::kPending);
  st.services[1].state = service_state::kError;
  st.services[1].detail = "broken/migrations: down_revision 'zz' is not declared";
  st.services[2].state = service_state::kAhead;
  st.services[2].detail = "the database holds revision 9f";
  auto v = make_plan(m, st, 4);
  ASSERT_TRUE(v);
  auto errors = services_in_error(*v);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "broken: error: broken/migrations: down_revision 'zz' is not declared");
  EXPECT_EQ(errors[1], "old: ahead/unknown: the database holds revision 9f");
  std::string t = text_of(m, *v);
  EXPECT_NE(t.find("ok (sql, schema ok): 0 pending"), std::string::npos) << t;
  EXPECT_NE(t.find("broken (sql, schema broken): error: broken/migrations"), std::string::npos) << t;

  StatusReport clean = status_of(m, service_state::kPending);
  auto fine = make_plan(m, clean, 4);
  ASSERT_TRUE(fine);
  EXPECT_TRUE(services_in_error(*fine).empty());
}

// The Plan alone: what may start, in which order, and what a failure does to the rest.
#include <gtest/gtest.h>

#include <algorithm>

#include "scheduler/plan.h"

using namespace orch;

namespace {

ServiceSpec svc(std::string name, std::vector<std::string> deps = {}, std::string schema = "", bool exclusive = false) {
  ServiceSpec s;
  s.name = name;
  s.schema = schema.empty() ? name : schema;
  s.depends_on = std::move(deps);
  s.exclusive = exclusive;
  return s;
}

std::vector<int> all(size_t n) {
  std::vector<int> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int>(i);
  return v;
}

// mindmirror's shape: users first; four services on users; practices on users and movements.
std::vector<ServiceSpec> mindmirror() {
  return {svc("users"), svc("habits", {"users"}), svc("journal", {"users"}), svc("meals", {"users"}),
          svc("movements", {"users"}), svc("practices", {"users", "movements"})};
}

}  // namespace

TEST(Plan, DependenciesFirstThenIndependentOnesTogether) {
  auto s = mindmirror();
  Plan p(s, all(s.size()), {4, false});
  EXPECT_EQ(p.take_ready(), std::vector<int>{0});
  EXPECT_TRUE(p.take_ready().empty());  // nothing else until users succeeded
  p.finished(0, true);
  EXPECT_EQ(p.take_ready(), (std::vector<int>{1, 2, 3, 4}));
  p.finished(4, true);
  EXPECT_EQ(p.take_ready(), std::vector<int>{5});
  for (int i : {1, 2, 3, 5}) p.finished(i, true);
  EXPECT_TRUE(p.done());
}

TEST(Plan, JobsCapLimitsConcurrency) {
  auto s = mindmirror();
  Plan p(s, all(s.size()), {2, false});
  p.take_ready();
  p.finished(0, true);
  EXPECT_EQ(p.take_ready(), (std::vector<int>{1, 2}));
  EXPECT_TRUE(p.take_ready().empty());
  p.finished(1, true);
  EXPECT_EQ(p.take_ready(), std::vector<int>{3});
  EXPECT_EQ(p.running(), 2);
}

TEST(Plan, FailureSkipsTransitiveDependentsOnly) {
  auto s = mindmirror();
  Plan p(s, all(s.size()), {4, false});
  p.take_ready();
  p.finished(0, true);
  p.take_ready();
  p.finished(4, false);  // movements fails
  EXPECT_EQ(p.state(5), NodeState::Skipped);
  EXPECT_EQ(p.reason(5), "needs movements");
  for (int i : {1, 2, 3}) p.finished(i, true);
  EXPECT_TRUE(p.done());
  EXPECT_EQ(p.state(1), NodeState::Succeeded);
}

TEST(Plan, RootFailureSkipsEverythingWithAChain) {
  std::vector<ServiceSpec> s = {svc("a"), svc("b", {"a"}), svc("c", {"b"})};
  Plan p(s, all(3), {4, false});
  p.take_ready();
  p.finished(0, false);
  EXPECT_EQ(p.reason(1), "needs a");
  EXPECT_EQ(p.reason(2), "needs b");
  EXPECT_TRUE(p.done());
}

TEST(Plan, SameSchemaNeverRunsTogether) {
  std::vector<ServiceSpec> s = {svc("a", {}, "shared"), svc("b", {}, "shared"), svc("c", {}, "other")};
  Plan p(s, all(3), {4, false});
  EXPECT_EQ(p.take_ready(), (std::vector<int>{0, 2}));
  EXPECT_TRUE(p.take_ready().empty());
  p.finished(0, true);
  EXPECT_EQ(p.take_ready(), std::vector<int>{1});
}

TEST(Plan, ExclusiveRunsAloneAndIsNotOvertaken) {
  std::vector<ServiceSpec> s = {svc("a"), svc("ext", {}, "", true), svc("c"), svc("d")};
  Plan p(s, all(4), {4, false});
  EXPECT_EQ(p.take_ready(), std::vector<int>{0});  // ext waits for a; c and d wait behind ext
  EXPECT_TRUE(p.take_ready().empty());
  p.finished(0, true);
  EXPECT_EQ(p.take_ready(), std::vector<int>{1});
  EXPECT_TRUE(p.take_ready().empty());  // nothing beside an exclusive one
  p.finished(1, true);
  EXPECT_EQ(p.take_ready(), (std::vector<int>{2, 3}));
}

TEST(Plan, FailFastStopsStartingButRunningOnesFinish) {
  std::vector<ServiceSpec> s = {svc("a"), svc("b"), svc("c"), svc("d")};
  Plan p(s, all(4), {2, true});
  EXPECT_EQ(p.take_ready(), (std::vector<int>{0, 1}));
  p.finished(0, false);
  EXPECT_TRUE(p.take_ready().empty());
  EXPECT_EQ(p.state(2), NodeState::Skipped);
  EXPECT_EQ(p.reason(2), "fail-fast: a failed");
  EXPECT_FALSE(p.done());  // b still runs
  p.finished(1, true);
  EXPECT_TRUE(p.done());
}

TEST(Plan, OnlySelectedServicesRun) {
  auto s = mindmirror();
  Plan p(s, {0, 4, 5}, {4, false});
  p.take_ready();
  p.finished(0, true);
  EXPECT_EQ(p.take_ready(), std::vector<int>{4});
  p.finished(4, true);
  EXPECT_EQ(p.take_ready(), std::vector<int>{5});
  p.finished(5, true);
  EXPECT_TRUE(p.done());
}

#include "graph/service_graph.h"

TEST(ServiceGraph, WavesFollowTheLongestDependencyChain) {
  auto s = mindmirror();
  ServiceGraph g(s);
  auto w = g.waves();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0], std::vector<int>{0});
  EXPECT_EQ(w[1], (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(w[2], std::vector<int>{5});
  EXPECT_EQ(g.transitive_dependents(4), std::vector<int>{5});
  EXPECT_EQ(g.with_dependencies({5}), (std::vector<int>{0, 4, 5}));
}

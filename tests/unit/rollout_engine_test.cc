// RolloutEngine against a fake TargetExecutor: waves in order, at most max_parallel at once, the error
// budget halting later waves, and a resumed rollout skipping what already succeeded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "engine/rollout_engine.h"
#include "rollout/rollout_shape.h"

#include "rollout_fixtures.h"

using namespace orch;

namespace {

class FakeExecutor : public TargetExecutor {
 public:
  std::set<std::string> failing;
  std::vector<std::string> ran;  // in the order they ended
  std::vector<std::string> history_ids;
  int max_seen = 0;
  TargetRun run(const ResolvedTarget& t, const std::string& history_run_id, CancelHub&) override {
    int now = ++running_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      max_seen = std::max(max_seen, now);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --running_;
    std::lock_guard<std::mutex> lock(mu_);
    ran.push_back(t.name);
    history_ids.push_back(history_run_id);
    TargetRun r;
    r.state = failing.count(t.name) ? TargetState::Failed : TargetState::Succeeded;
    if (r.state == TargetState::Failed) r.detail = "users: boom";
    return r;
  }

 private:
  std::atomic<int> running_{0};
  std::mutex mu_;
};

class CountingObserver : public RolloutObserver {
 public:
  int saves = 0;
  std::vector<std::string> waves;
  void wave_started(const WaveOutcome& w, size_t) override { waves.push_back(w.name); }
  void save(const RolloutState&) override { ++saves; }
};

using orch::testing::targets;
using orch::testing::wave;

const std::vector<RolloutWave> kWaves = {wave("staging", {"staging"}, 1, 0), wave("canary", {"prod-eu"}, 1, 0),
                                         wave("rest", {"*"}, 2, 1)};
const auto kKnown = targets({"staging", "prod-eu", "prod-us", "prod-ap", "prod-sa"});

RolloutState fresh(const WaveTargets& t) {
  RolloutState st;
  st.run_id = "R";
  return merge_resume(kWaves, t, st);
}

}  // namespace

TEST(RolloutEngine, WavesExpandFirstWaveWinsAndUnmatchedPatternsAreErrors) {
  auto t = expand_waves(kWaves, kKnown);
  ASSERT_TRUE(t) << t.error().text();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].size(), 1u);
  EXPECT_EQ((*t)[1][0].name, "prod-eu");
  ASSERT_EQ((*t)[2].size(), 3u);  // "*" takes only the targets no earlier wave placed
  EXPECT_EQ((*t)[2][0].name, "prod-us");

  auto bad = expand_waves({wave("x", {"tenant-*"}, 1, 0)}, kKnown);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().exit_code, 2);
  EXPECT_NE(bad.error().message.find("\"tenant-*\", which matches no target"), std::string::npos);
}

TEST(RolloutEngine, RunsEveryWaveInOrderWithinMaxParallel) {
  auto t = *expand_waves(kWaves, kKnown);
  RolloutState st = fresh(t);
  FakeExecutor ex;
  CountingObserver obs;
  CancelHub hub;
  RolloutEngine(ex, obs, hub).run(st, t);
  EXPECT_EQ(st.outcome, RolloutOutcome::Succeeded);
  EXPECT_EQ(obs.waves, (std::vector<std::string>{"staging", "canary", "rest"}));
  ASSERT_EQ(ex.ran.size(), 5u);
  EXPECT_EQ(ex.ran[0], "staging");
  EXPECT_EQ(ex.ran[1], "prod-eu");
  EXPECT_LE(ex.max_seen, 2);
  EXPECT_GE(obs.saves, 6);  // after every target and wave
  EXPECT_EQ(ex.history_ids.front(), "R");
}

TEST(RolloutEngine, ExceedingTheBudgetHaltsLaterWavesAndResumeSkipsWhatSucceeded) {
  auto t = *expand_waves(kWaves, kKnown);
  RolloutState st = fresh(t);
  FakeExecutor ex;
  ex.failing = {"prod-eu"};
  CountingObserver obs;
  CancelHub hub;
  RolloutEngine(ex, obs, hub).run(st, t);
  EXPECT_EQ(st.outcome, RolloutOutcome::Halted);
  EXPECT_NE(st.halted_reason.find("wave canary exceeded its error budget: 1 failed, 0 allowed"), std::string::npos);
  EXPECT_EQ(ex.ran, (std::vector<std::string>{"staging", "prod-eu"}));
  EXPECT_EQ(st.waves[2].count(TargetState::NotReached), 3);
  EXPECT_EQ(st.waves[1].targets[0].detail, "users: boom");

  // --resume after the fix: staging is not run again; history ids get -a2.
  st.attempt = 2;
  st.outcome = RolloutOutcome::Running;
  st.halted_reason.clear();
  RolloutState resumed = merge_resume(kWaves, t, st);
  FakeExecutor fixed;
  RolloutEngine(fixed, obs, hub).run(resumed, t);
  EXPECT_EQ(resumed.outcome, RolloutOutcome::Succeeded);
  EXPECT_EQ(fixed.ran.size(), 4u);
  EXPECT_EQ(fixed.ran[0], "prod-eu");
  EXPECT_EQ(fixed.history_ids[0], "R-a2");
}

TEST(RolloutEngine, FailuresWithinTheBudgetFinishTheRolloutAsFailed) {
  auto t = *expand_waves(kWaves, kKnown);
  RolloutState st = fresh(t);
  FakeExecutor ex;
  ex.failing = {"prod-ap"};  // the last wave allows one failure
  CountingObserver obs;
  CancelHub hub;
  RolloutEngine(ex, obs, hub).run(st, t);
  EXPECT_EQ(st.outcome, RolloutOutcome::Failed);
  EXPECT_EQ(st.waves[2].count(TargetState::Failed), 1);
  EXPECT_EQ(st.waves[2].count(TargetState::Succeeded), 2);
}

TEST(RolloutEngine, CancelledBeforeStartingReachesNothing) {
  auto t = *expand_waves(kWaves, kKnown);
  RolloutState st = fresh(t);
  FakeExecutor ex;
  CountingObserver obs;
  CancelHub hub;
  hub.cancel_all();
  RolloutEngine(ex, obs, hub).run(st, t);
  EXPECT_EQ(st.outcome, RolloutOutcome::Interrupted);
  EXPECT_TRUE(ex.ran.empty());
  EXPECT_EQ(st.waves[0].targets[0].state, TargetState::NotReached);
}

TEST(RolloutShape, DifferencesAreNamedSoARefusedWorkerKnowsWhy) {
  nlohmann::json ours = {{"services", {"users:alembic:users", "meals:sql:meals"}},
                         {"waves", {{{"name", "canary"}, {"max_parallel", 1}, {"max_failures", 0}, {"targets", {"t1"}}}}}};
  nlohmann::json theirs = ours;
  EXPECT_TRUE(shape_differences(ours, theirs).empty());
  EXPECT_EQ(shape_fingerprint(ours), shape_fingerprint(theirs));
  theirs["services"] = {"users:alembic:users"};
  theirs["waves"][0]["max_failures"] = 2;
  theirs["waves"][0]["targets"] = {"t1", "t2"};
  auto diff = shape_differences(ours, theirs);
  ASSERT_EQ(diff.size(), 3u);
  EXPECT_EQ(diff[0], "services: this worker has meals:sql:meals, the rollout has not");
  EXPECT_EQ(diff[1], "targets of wave canary: the rollout has t2, this worker has not");
  EXPECT_EQ(diff[2], "max_failures of wave canary: this worker has 0, the rollout has 2");
  EXPECT_NE(shape_fingerprint(ours), shape_fingerprint(theirs));
}

TEST(RolloutStore, TheLocalStoreClaimsEachTargetOnceAndClosesWhatWasNotReached) {
  RolloutState st;
  st.waves.resize(2);
  st.waves[0].targets.resize(2);
  st.waves[1].targets.resize(1);
  int saves = 0;
  LocalRolloutStore store(st, [&](const RolloutState&) { ++saves; });
  EXPECT_EQ(store.claim(0), std::optional<size_t>(0));
  EXPECT_EQ(store.claim(0), std::optional<size_t>(1));
  EXPECT_EQ(store.claim(0), std::nullopt);  // both running: nothing left to claim
  TargetOutcome done;
  done.state = TargetState::Failed;
  store.finish(0, 0, done);
  EXPECT_FALSE(wave_ended(store.snapshot().waves[0]));
  done.state = TargetState::Succeeded;
  store.finish(0, 1, done);
  EXPECT_TRUE(wave_ended(store.snapshot().waves[0]));
  store.halt("budget");
  store.halt("second reason");  // the first is kept
  EXPECT_EQ(store.claim(1), std::nullopt);
  RolloutState end = store.end(false);
  EXPECT_EQ(end.outcome, RolloutOutcome::Halted);
  EXPECT_EQ(end.waves[1].targets[0].state, TargetState::NotReached);
  EXPECT_EQ(end.waves[1].targets[0].detail, "budget");
  EXPECT_EQ(saves, 3);
}

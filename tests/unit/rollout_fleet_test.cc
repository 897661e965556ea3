// A shared rollout's fleet behaviour without a database: the engine against stores that lose a claim,
// give up, or wait on another worker's target (the barrier's stall report); the halt reason's wording
// and count; the shape's migration heads; the state connection's keepalives; who the history names.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "engine/rollout_engine.h"
#include "engine/rollout_start.h"
#include "history/history.h"
#include "history/history_report.h"
#include "rollout/barrier_text.h"
#include "rollout/rollout_shape.h"

#include "rollout_fixtures.h"

using namespace orch;
using namespace std::chrono_literals;

namespace {

using orch::testing::targets;
using orch::testing::wave;

RolloutState fresh(const std::vector<RolloutWave>& waves, const WaveTargets& t) {
  RolloutState st;
  st.run_id = "R";
  return merge_resume(waves, t, st);
}

// Fails the targets named in `failing` after `delay_ms[name]`; a target in `until_cancelled` runs
// until its CancelHub is cancelled and then reports what up does: interrupted.
class ScriptedExecutor : public TargetExecutor {
 public:
  std::set<std::string> failing, until_cancelled;
  std::map<std::string, int> delay_ms;
  std::atomic<int> cancelled_runs{0};
  std::function<void()> started;  // called once a target is running
  TargetRun run(const ResolvedTarget& t, const std::string&, CancelHub& cancel) override {
    if (started) started();
    TargetRun r;
    if (until_cancelled.count(t.name)) {
      while (cancel.sleep_for(10ms)) {
      }
      ++cancelled_runs;
      r.state = TargetState::Interrupted;
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.count(t.name) ? delay_ms[t.name] : 1));
    r.state = failing.count(t.name) ? TargetState::Failed : TargetState::Succeeded;
    if (r.state == TargetState::Failed) r.detail = "app: boom";
    return r;
  }
};

class NotingObserver : public RolloutObserver {
 public:
  std::mutex mu;
  std::vector<std::string> notes;
  void note(const std::string& text) override {
    std::lock_guard<std::mutex> lock(mu);
    notes.push_back(text);
  }
};

// The local store, but attach() keeps the engine's hooks so a test can play the database's part.
class HookedStore : public LocalRolloutStore {
 public:
  using LocalRolloutStore::LocalRolloutStore;
  RolloutHooks hooks;
  std::atomic<bool> attached{false};
  void attach(RolloutHooks h) override {
    hooks = std::move(h);
    attached = true;
  }
};

}  // namespace

TEST(RolloutHalt, AHaltInTheLastWaveDoesNotSpeakOfLaterWaves) {
  const std::vector<RolloutWave> waves = {wave("canary", {"c"}, 1, 0), wave("rest", {"*"}, 1, 0)};
  auto t = *expand_waves(waves, targets({"c", "r1", "r2"}));
  RolloutState st = fresh(waves, t);
  ScriptedExecutor ex;
  ex.failing = {"r1"};
  NotingObserver obs;
  CancelHub hub;
  RolloutEngine(ex, obs, hub).run(st, t);
  EXPECT_EQ(st.outcome, RolloutOutcome::Halted);
  EXPECT_EQ(st.halted_reason, "wave rest exceeded its error budget: 1 failed, 0 allowed; no further target was started");
  EXPECT_EQ(st.waves[1].targets[1].state, TargetState::NotReached);

  // Not the last wave: later waves were indeed not started.
  RolloutState st2 = fresh(waves, t);
  ScriptedExecutor ex2;
  ex2.failing = {"c"};
  RolloutEngine(ex2, obs, hub).run(st2, t);
  EXPECT_EQ(st2.halted_reason, "wave canary exceeded its error budget: 1 failed, 0 allowed; later waves were not started");
}

TEST(RolloutHalt, TheHaltReasonCountsTheFailuresOfTargetsThatWereStillRunning) {
  // Both run at once; a fails first and halts the rollout with "1 failed"; b, already running, fails too.
  const std::vector<RolloutWave> waves = {wave("all", {"*"}, 2, 0)};
  auto t = *expand_waves(waves, targets({"a", "b"}));
  RolloutState st = fresh(waves, t);
  ScriptedExecutor ex;
  ex.failing = {"a", "b"};
  ex.delay_ms = {{"a", 1}, {"b", 150}};
  // Neither goes on until both run, so b is running when a's failure halts the rollout, however
  // loaded the machine is.
  std::atomic<int> running{0};
  ex.started = [&running] {
    ++running;
    for (int i = 0; i < 5000 && running < 2; ++i) std::this_thread::sleep_for(1ms);
  };
  NotingObserver obs;
  CancelHub hub;
  RolloutEngine(ex, obs, hub).run(st, t);
  EXPECT_EQ(st.waves[0].count(TargetState::Failed), 2);
  EXPECT_EQ(st.halted_reason, "wave all exceeded its error budget: 2 failed, 0 allowed; no further target was started");
}

TEST(RolloutEngineFleet, AClaimLostToAnotherWorkerStopsThatTargetAlone) {
  const std::vector<RolloutWave> waves = {wave("all", {"*"}, 2, 0)};
  auto t = *expand_waves(waves, targets({"lost", "kept"}));
  RolloutState st = fresh(waves, t);
  HookedStore store(st, [](const RolloutState&) {});
  ScriptedExecutor ex;
  ex.until_cancelled = {"lost"};
  ex.delay_ms = {{"kept", 200}};
  std::atomic<int> running{0};
  ex.started = [&] { ++running; };
  NotingObserver obs;
  CancelHub hub;
  RolloutEngine engine(ex, obs, hub);
  engine.use_store(&store, "worker-0@test");
  std::thread db([&] {  // the state database's part: once both run, "lost" passes to another worker
    while (running < 2) std::this_thread::sleep_for(1ms);
    store.hooks.claim_lost(0, 0);
  });
  engine.run(st, t);
  db.join();
  EXPECT_EQ(ex.cancelled_runs, 1);
  EXPECT_FALSE(hub.cancelled());  // the rest of the rollout goes on
  EXPECT_TRUE(engine.failure().empty());
  EXPECT_EQ(st.waves[0].targets[1].state, TargetState::Succeeded);
}

TEST(RolloutEngineFleet, AStoreThatGivesUpStopsEveryRunningTargetAndSaysWhy) {
  const std::vector<RolloutWave> waves = {wave("first", {"a", "b"}, 2, 0), wave("next", {"*"}, 1, 0)};
  auto t = *expand_waves(waves, targets({"a", "b", "c"}));
  RolloutState st = fresh(waves, t);
  HookedStore store(st, [](const RolloutState&) {});
  ScriptedExecutor ex;
  ex.until_cancelled = {"a", "b"};
  std::atomic<int> running{0};
  ex.started = [&] { ++running; };
  NotingObserver obs;
  CancelHub hub;
  RolloutEngine engine(ex, obs, hub);
  engine.use_store(&store, "worker-0@test");
  std::thread db([&] {
    while (running < 2) std::this_thread::sleep_for(1ms);
    store.hooks.failed("the rollout state database stayed unreachable for 30s");
  });
  engine.run(st, t);  // returns: no exception, no std::terminate
  db.join();
  EXPECT_EQ(ex.cancelled_runs, 2);
  EXPECT_EQ(engine.failure(), "the rollout state database stayed unreachable for 30s");
  EXPECT_NE(st.waves[1].targets[0].state, TargetState::Succeeded);  // the next wave never started
}

TEST(RolloutEngineFleet, AnExecutorThatThrowsFailsItsTargetInsteadOfTheProcess) {
  class Throwing : public TargetExecutor {
   public:
    TargetRun run(const ResolvedTarget&, const std::string&, CancelHub&) override { throw std::runtime_error("boom"); }
  } ex;
  const std::vector<RolloutWave> waves = {wave("all", {"*"}, 1, 0)};
  auto t = *expand_waves(waves, targets({"a"}));
  RolloutState st = fresh(waves, t);
  NotingObserver obs;
  CancelHub hub;
  RolloutEngine(ex, obs, hub).run(st, t);
  EXPECT_EQ(st.waves[0].targets[0].state, TargetState::Failed);
  EXPECT_EQ(st.waves[0].targets[0].detail, "internal error: boom");
}

// Another worker's target runs in the wave; this worker has nothing to claim and waits at the barrier.
TEST(RolloutEngineFleet, AWorkerWaitingAtTheBarrierSaysForWhatAndSinceWhen) {
  const std::vector<RolloutWave> waves = {wave("first", {"theirs"}, 1, 0)};
  auto t = *expand_waves(waves, targets({"theirs"}));
  RolloutState st = fresh(waves, t);
  st.waves[0].targets[0].state = TargetState::Running;
  st.waves[0].targets[0].worker = "worker-1@pod-b";
  st.waves[0].targets[0].started_at = "2026-11-30T11:59:58Z";
  st.waves[0].targets[0].heard_ms_ago = 31000;
  HookedStore store(st, [](const RolloutState&) {});
  ScriptedExecutor ex;
  NotingObserver obs;
  CancelHub hub;
  RolloutEngine engine(ex, obs, hub);
  engine.use_store(&store, "worker-0@pod-a");
  engine.stall_report_every(100ms);
  std::thread other([&] {  // the other worker finishes after a while
    std::this_thread::sleep_for(1200ms);
    TargetOutcome done;
    done.name = "theirs";
    done.state = TargetState::Succeeded;
    store.finish(0, 0, done);
  });
  engine.run(st, t);
  other.join();
  EXPECT_EQ(st.outcome, RolloutOutcome::Succeeded);
  std::lock_guard<std::mutex> lock(obs.mu);
  ASSERT_GE(obs.notes.size(), 2u);  // every 100 ms while waiting (the poll is 500 ms)
  EXPECT_NE(obs.notes[0].find("wave first: waiting "), std::string::npos) << obs.notes[0];
  EXPECT_NE(obs.notes[0].find("for 1 target of other workers: theirs on worker-1@pod-b (running since "
                              "2026-11-30T11:59:58Z; no heartbeat for 31.0s: stopped or cut off?)"),
            std::string::npos)
      << obs.notes[0];
}

TEST(BarrierText, NamesEachRunningTargetItsWorkerAndSilence) {
  WaveOutcome w;
  w.name = "rest";
  TargetOutcome a, b, c;
  a.name = "t1", a.state = TargetState::Running, a.worker = "worker-0@a", a.started_at = "2026-11-30T12:00:00Z", a.heard_ms_ago = 500;
  b.name = "t2", b.state = TargetState::Succeeded;
  c.name = "t3", c.state = TargetState::Running, c.worker = "worker-2@c", c.heard_ms_ago = 65000;
  w.targets = {a, b, c};
  EXPECT_EQ(barrier_wait_text(w, 30s, "12:00:01"),
            "wave rest: waiting 30.0s (since 12:00:01) for 2 targets of other workers: t1 on worker-0@a (running since "
            "2026-11-30T12:00:00Z), t3 on worker-2@c (no heartbeat for 1m05s: stopped or cut off?)");
}

TEST(RolloutShape, AWorkerWhoseMigrationsEndElsewhereIsNamedWithBothHeads) {
  Manifest m;
  ServiceSpec app;
  app.name = "app";
  app.schema = "app";
  m.services = {app};
  RolloutState st;
  auto ours = rollout_shape(m, st, {{"app", {"0001"}}});
  auto theirs = rollout_shape(m, st, {{"app", {"0002"}}});
  auto diff = shape_differences(ours, theirs);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0], "service app: this worker's migrations end at 0001, the rollout's at 0002");
  EXPECT_NE(shape_fingerprint(ours), shape_fingerprint(theirs));
  EXPECT_TRUE(shape_differences(ours, rollout_shape(m, st, {{"app", {"0001"}}})).empty());
  // A rollout recorded by an orchestrate that knew no heads is not joined silently.
  nlohmann::json old = theirs;
  old.erase("heads");
  EXPECT_EQ(shape_differences(ours, old).front(),
            "migration heads: the rollout was created by an orchestrate that does not record them");
}

TEST(StateConnection, KeepalivesAreAddedUnlessTheUrlSetsThem) {
  EXPECT_EQ(with_state_keepalives("postgresql://u@h/db"),
            "postgresql://u@h/db?keepalives=1&keepalives_idle=5&keepalives_interval=5&keepalives_count=3"
            "&tcp_user_timeout=20000&connect_timeout=5");
  EXPECT_EQ(with_state_keepalives("postgresql://u@h/db?sslmode=require&keepalives_idle=60"),
            "postgresql://u@h/db?sslmode=require&keepalives_idle=60&keepalives=1&keepalives_interval=5"
            "&keepalives_count=3&tcp_user_timeout=20000&connect_timeout=5");
  EXPECT_EQ(with_state_keepalives("host=h dbname=db"),
            "host=h dbname=db keepalives=1 keepalives_idle=5 keepalives_interval=5 keepalives_count=3 "
            "tcp_user_timeout=20000 connect_timeout=5");
}

TEST(StateConnection, TheBoundsComeFromTheEnvironmentAndBadOnesAreRefused) {
  setenv("ORCHESTRATE_ROLLOUT_STALL_REPORT", "2s", 1);
  setenv("ORCHESTRATE_ROLLOUT_RECONNECT", "45s", 1);
  auto t = rollout_timings_from_env();
  ASSERT_TRUE(t) << t.error().text();
  EXPECT_EQ(t->stall_report, 2000ms);
  EXPECT_EQ(t->state.reconnect_window, 45000ms);
  EXPECT_EQ(t->state.takeover_after, 10000ms);
  setenv("ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER", "soon", 1);
  auto bad = rollout_timings_from_env();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().exit_code, 2);
  EXPECT_NE(bad.error().message.find("ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER=soon"), std::string::npos);
  unsetenv("ORCHESTRATE_ROLLOUT_STALL_REPORT");
  unsetenv("ORCHESTRATE_ROLLOUT_RECONNECT");
  unsetenv("ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER");
}

TEST(HistoryWho, AnIndexedJobWorkerIsNamedWithItsHostOnce) {
  setenv("JOB_COMPLETION_INDEX", "2", 1);
  RunRecord r = current_run_record("R", "p", "t", "rollout", "");
  unsetenv("JOB_COMPLETION_INDEX");
  EXPECT_EQ(r.os_user, "worker-2");
  RunRow row;
  row.run_id = "R";
  row.os_user = r.os_user;
  row.host = "vm";
  row.outcome = "succeeded";
  std::ostringstream out;
  render_history_table({row}, out);
  EXPECT_NE(out.str().find("worker-2@vm "), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("@vm@vm"), std::string::npos) << out.str();
}

#include "engine/rollout_engine.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "rollout/barrier_text.h"
#include "rollout/rollout_store.h"
#include "util/clock_text.h"
#include "util/exit_codes.h"

namespace orch {

Result<WaveTargets> expand_waves(const std::vector<RolloutWave>& waves, const std::vector<ResolvedTarget>& known) {
  WaveTargets out;
  std::set<std::string> placed;
  for (const auto& w : waves) {
    std::vector<ResolvedTarget> ts;
    for (const auto& pattern : w.targets) {
      bool matched = false;
      for (const auto& t : known)
        if (glob_match(pattern, t.name)) {
          matched = true;
          if (placed.insert(t.name).second) ts.push_back(t);
        }
      if (!matched)
        return Error{"rollout wave \"" + w.name + "\" names \"" + pattern + "\", which matches no target", w.pos.str(),
                     "", exit_code::kUsage};
    }
    out.push_back(std::move(ts));
  }
  return out;
}

RolloutState merge_resume(const std::vector<RolloutWave>& waves, const WaveTargets& targets, RolloutState previous) {
  std::vector<WaveOutcome> merged;
  for (size_t w = 0; w < waves.size(); ++w) {
    WaveOutcome wo;
    wo.name = waves[w].name;
    wo.max_parallel = waves[w].max_parallel;
    wo.max_failures = waves[w].max_failures;
    for (const auto& t : targets[w]) {
      TargetOutcome to;
      to.name = t.name;
      for (const auto& pw : previous.waves)
        for (const auto& pt : pw.targets)
          if (pt.name == t.name && pt.state == TargetState::Succeeded) to = pt;
      wo.targets.push_back(to);
    }
    merged.push_back(std::move(wo));
  }
  previous.waves = std::move(merged);
  return previous;
}

void RolloutEngine::run(RolloutState& st, const WaveTargets& targets) {
  LocalRolloutStore local(st, [this](const RolloutState& s) { observer_.save(s); });
  RolloutStore& store = store_ ? *store_ : local;
  store.attach(hooks());
  for (size_t w = 0; w < targets.size() && !stopped(); ++w) {
    RolloutState now = store.snapshot();
    if (!now.halted_reason.empty()) break;
    const WaveOutcome& wave = now.waves[w];
    size_t to_run = wave.targets.size() - static_cast<size_t>(wave.count(TargetState::Succeeded));
    if (w > 0 && to_run > 0 && !observer_.may_start(now.waves[w - 1], wave, to_run)) {
      store.halt("stopped at the pause before wave " + wave.name);
      break;
    }
    run_wave(store, w, targets[w]);
  }
  RolloutState final_state = store.end(hub_.cancelled());
  store.attach({});  // the store (and its heartbeat) may outlive this engine, its hub and its observer
  st = final_state;
  if (!store_) observer_.save(st);
}

std::string RolloutEngine::failure() {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

// The store tells the engine when a claim passed to another worker (stop that target here) and when
// it gave up on its database (stop every target here: their claims fall, and other workers take them).
RolloutHooks RolloutEngine::hooks() {
  RolloutHooks h;
  h.sleep = [this](Millis d) { return hub_.sleep_for(d); };
  h.note = [this](const std::string& text) { note(text); };
  h.claim_lost = [this](size_t w, size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = running_.find({w, i}); it != running_.end()) it->second->cancel_all();
  };
  h.failed = [this](const std::string& why) { fail(why); };
  return h;
}

void RolloutEngine::fail(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failure_.empty()) failure_ = why;
  for (auto& [key, target_hub] : running_) target_hub->cancel_all();
}

bool RolloutEngine::stopped() {
  if (hub_.cancelled()) return true;
  std::lock_guard<std::mutex> lock(mu_);
  return !failure_.empty();
}

void RolloutEngine::note(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_.note(text);
}

// Workers of this process claim the wave's targets until none is left; then, while other workers'
// targets of the wave still run, it waits for them: no target of the next wave starts before every
// target of this one has ended.
void RolloutEngine::run_wave(RolloutStore& store, size_t w, const std::vector<ResolvedTarget>& targets) {
  RolloutState now = store.snapshot();
  const WaveOutcome& wave = now.waves[w];
  observer_.wave_started(wave, wave.targets.size() - static_cast<size_t>(wave.count(TargetState::Succeeded)));
  const std::string history_run_id = now.attempt == 1 ? now.run_id : now.run_id + "-a" + std::to_string(now.attempt);
  // No exception leaves a thread (std::terminate would take every running target with it).
  auto worker = [&] {
    try {
      claim_and_run(store, w, targets, history_run_id);
    } catch (const std::exception& e) {
      fail(std::string("this worker stopped on an internal error: ") + e.what());
    } catch (...) {
      fail("this worker stopped on an internal error");
    }
  };
  std::optional<std::chrono::steady_clock::time_point> waiting_since, next_report;
  std::string since;
  for (;;) {
    std::vector<std::thread> threads;
    size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, wave.max_parallel)), wave.targets.size());
    for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    if (stopped()) return;
    RolloutState after = store.snapshot();
    if (!after.halted_reason.empty() || wave_ended(after.waves[w])) return;
    // Others' targets are still running: every so often, say which, and since when this worker waits.
    const auto now_t = std::chrono::steady_clock::now();
    if (!waiting_since) {
      waiting_since = now_t;
      next_report = now_t + stall_every_;
      since = format_time(std::chrono::system_clock::now(), "%H:%M:%S", Zone::Local);
    } else if (now_t >= *next_report) {
      note(barrier_wait_text(after.waves[w], std::chrono::duration_cast<Millis>(now_t - *waiting_since), since));
      next_report = now_t + stall_every_;
    }
    if (!hub_.sleep_for(std::chrono::milliseconds(500))) return;
  }
}

void RolloutEngine::claim_and_run(RolloutStore& store, size_t w, const std::vector<ResolvedTarget>& targets,
                                  const std::string& history_run_id) {
  while (!stopped()) {
    auto idx = store.claim(w);
    if (!idx) return;
    TargetRun r = run_one(targets[*idx], w, *idx, history_run_id);
    TargetOutcome t;
    t.name = targets[*idx].name;
    t.history_run_id = r.history_run_id.empty() ? history_run_id : r.history_run_id;
    t.state = r.state;
    t.detail = r.state == TargetState::Succeeded ? "" : r.detail;
    t.services = r.services;
    t.duration_ms = r.duration_ms;
    t.worker = worker_;
    if (!store.finish(w, *idx, t)) continue;  // its claim passed on: the other worker's result counts
    {
      std::lock_guard<std::mutex> lock(mu_);
      observer_.target_finished(t);
    }
    // Only a failure can exceed the budget, and the worker whose target failed counts every worker's
    // failures (a snapshot reads the whole rollout: once per target would be O(targets) each).
    if (t.state != TargetState::Failed) continue;
    const RolloutState counted = store.snapshot();
    if (!stopped() && over_budget(counted.waves[w])) store.halt(budget_halt_reason(counted, w));
  }
}

// One target on a cancel hub of its own: Ctrl-C reaches it through the run's hub, and a claim lost to
// another worker (or a store that gave up) stops it alone.
TargetRun RolloutEngine::run_one(const ResolvedTarget& target, size_t w, size_t i, const std::string& history_run_id) {
  CancelHub target_hub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_[{w, i}] = &target_hub;
    if (!failure_.empty()) target_hub.cancel_all();
  }
  const int handle = hub_.add([&target_hub] { target_hub.cancel_all(); });
  TargetRun r;
  try {
    r = executor_.run(target, history_run_id, target_hub);
  } catch (const std::exception& e) {
    r.state = TargetState::Failed;
    r.detail = std::string("internal error: ") + e.what();
  }
  hub_.remove(handle);
  std::lock_guard<std::mutex> lock(mu_);
  running_.erase({w, i});
  return r;
}

}  // namespace orch

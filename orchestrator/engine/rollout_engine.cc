#include "engine/rollout_engine.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "rollout/rollout_store.h"
#include "util/clock_text.h"

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
                     "", 2};
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
          if (pt.name == t.name && pt.state == "succeeded") to = pt;
      wo.targets.push_back(to);
    }
    merged.push_back(std::move(wo));
  }
  previous.waves = std::move(merged);
  return previous;
}

bool over_budget(const WaveOutcome& w) { return w.count("failed") > w.max_failures; }

void RolloutEngine::run(RolloutState& st, const WaveTargets& targets) {
  LocalRolloutStore local(st, [this](const RolloutState& s) { observer_.save(s); });
  RolloutStore& store = store_ ? *store_ : local;
  for (size_t w = 0; w < targets.size() && !hub_.cancelled(); ++w) {
    RolloutState now = store.snapshot();
    if (!now.halted_reason.empty()) break;
    const WaveOutcome& wave = now.waves[w];
    size_t to_run = wave.targets.size() - static_cast<size_t>(wave.count("succeeded"));
    if (w > 0 && to_run > 0 && !observer_.may_start(now.waves[w - 1], wave, to_run)) {
      store.halt("stopped at the pause before wave " + wave.name);
      break;
    }
    run_wave(store, w, targets[w]);
  }
  RolloutState final_state = store.end(hub_.cancelled());
  st = final_state;
  if (!store_) observer_.save(st);
}

// Workers of this process claim the wave's targets until none is left; then, while other workers'
// targets of the wave still run, it waits for them: no target of the next wave starts before every
// target of this one has ended.
void RolloutEngine::run_wave(RolloutStore& store, size_t w, const std::vector<ResolvedTarget>& targets) {
  RolloutState now = store.snapshot();
  const WaveOutcome& wave = now.waves[w];
  observer_.wave_started(wave, wave.targets.size() - static_cast<size_t>(wave.count("succeeded")));
  const std::string history_run_id = now.attempt == 1 ? now.run_id : now.run_id + "-a" + std::to_string(now.attempt);
  std::mutex observer_mu;
  auto worker = [&] {
    while (!hub_.cancelled()) {
      auto idx = store.claim(w);
      if (!idx) return;
      TargetRun r = executor_.run(targets[*idx], history_run_id);
      TargetOutcome t;
      t.name = targets[*idx].name;
      t.history_run_id = history_run_id;
      t.state = r.state;
      t.detail = r.state == "succeeded" ? "" : r.detail;
      t.services = r.services;
      t.duration_ms = r.duration_ms;
      t.worker = worker_;
      store.finish(w, *idx, t);
      {
        std::lock_guard<std::mutex> lock(observer_mu);
        observer_.target_finished(t);
      }
      const WaveOutcome counted = store.snapshot().waves[w];  // every worker's failures count
      if (!hub_.cancelled() && over_budget(counted))
        store.halt("wave " + counted.name + " exceeded its error budget: " + std::to_string(counted.count("failed")) +
                   " failed, " + std::to_string(counted.max_failures) + " allowed; later waves were not started");
    }
  };
  Waiter waiter = hub_.waiter();
  for (;;) {
    std::vector<std::thread> threads;
    size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, wave.max_parallel)), wave.targets.size());
    for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    if (hub_.cancelled()) return;
    RolloutState after = store.snapshot();
    if (!after.halted_reason.empty() || wave_ended(after.waves[w])) return;
    if (!waiter.sleep(std::chrono::milliseconds(500))) return;  // others' targets are still running
  }
}

}  // namespace orch

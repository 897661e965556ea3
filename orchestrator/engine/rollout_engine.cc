#include "engine/rollout_engine.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

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

std::string rollout_outcome(const RolloutState& st, bool interrupted, bool halted) {
  if (interrupted) return "interrupted";
  if (halted) return "halted";
  for (const auto& w : st.waves)
    if (w.count("failed") || w.count("not-reached")) return "failed";
  return "succeeded";
}

void RolloutEngine::run(RolloutState& st, const WaveTargets& targets) {
  bool halted = false;
  for (size_t w = 0; w < st.waves.size(); ++w) {
    WaveOutcome& wave = st.waves[w];
    if (!halted && !hub_.cancelled()) {
      size_t to_run = wave.targets.size() - static_cast<size_t>(wave.count("succeeded"));
      if (w > 0 && to_run > 0 && !observer_.may_start(st.waves[w - 1], wave, to_run)) {
        halted = true;
        st.halted_reason = "stopped at the pause before wave " + wave.name;
      } else {
        run_wave(st, wave, targets[w]);
        if (!hub_.cancelled() && over_budget(wave)) {
          halted = true;
          st.halted_reason = "wave " + wave.name + " exceeded its error budget: " + std::to_string(wave.count("failed")) +
                             " failed, " + std::to_string(wave.max_failures) + " allowed; later waves were not started";
        }
        observer_.save(st);
        continue;
      }
    }
    for (auto& t : wave.targets)
      if (t.state != "succeeded") {
        t.state = "not-reached";
        t.detail = hub_.cancelled() ? "the rollout was interrupted" : st.halted_reason;
      }
  }
  st.finished_at = iso8601_now();
  st.outcome = rollout_outcome(st, hub_.cancelled(), halted);
  observer_.save(st);
}

void RolloutEngine::run_wave(RolloutState& st, WaveOutcome& wave, const std::vector<ResolvedTarget>& targets) {
  std::vector<size_t> todo;
  for (size_t i = 0; i < wave.targets.size(); ++i)
    if (wave.targets[i].state != "succeeded") todo.push_back(i);
  observer_.wave_started(wave, todo.size());
  const std::string history_run_id = st.attempt == 1 ? st.run_id : st.run_id + "-a" + std::to_string(st.attempt);
  std::mutex mu;
  size_t next = 0;
  auto worker = [&] {
    for (;;) {
      size_t idx;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= todo.size() || hub_.cancelled()) return;
        idx = todo[next++];
        wave.targets[idx].state = "running";
      }
      TargetRun r = executor_.run(targets[idx], history_run_id);
      std::lock_guard<std::mutex> lock(mu);
      TargetOutcome& t = wave.targets[idx];
      t.history_run_id = history_run_id;
      t.state = r.state;
      t.detail = r.state == "succeeded" ? "" : r.detail;
      t.services = r.services;
      t.duration_ms = r.duration_ms;
      observer_.target_finished(t);
      observer_.save(st);
    }
  };
  std::vector<std::thread> threads;
  size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, wave.max_parallel)), todo.size());
  for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (auto& t : wave.targets)
    if (t.state == "pending" || t.state == "running") {
      t.state = "not-reached";
      t.detail = "the rollout was interrupted";
    }
}

}  // namespace orch

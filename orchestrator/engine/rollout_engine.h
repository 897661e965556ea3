#pragma once
// `rollout`: waves of targets in order, targets inside a wave at once up to its max_parallel, halting
// when a wave exceeds its error budget. The engine drives waves through a TargetExecutor (tests use a
// fake; production runs UpEngine on each target) and reports to a RolloutObserver (the dashboard or
// plain lines, and where the state is kept).
#include <string>
#include <vector>

#include "engine/cancel_hub.h"
#include "manifest/manifest.h"
#include "rollout/rollout_state.h"
#include "rollout/rollout_store.h"
#include "targets/targets.h"
#include "util/result.h"

namespace orch {

using WaveTargets = std::vector<std::vector<ResolvedTarget>>;

// Each wave's targets, globs expanded. A target belongs to the first wave that names it, so a last
// wave of "*" means "the rest". A pattern that matches nothing is an error at the wave's position.
Result<WaveTargets> expand_waves(const std::vector<RolloutWave>& waves, const std::vector<ResolvedTarget>& known);

// The state a run starts from: the manifest's waves are the truth; a target that succeeded in an
// earlier attempt (`previous`, on --resume) stays succeeded and is not run again.
RolloutState merge_resume(const std::vector<RolloutWave>& waves, const WaveTargets& targets, RolloutState previous);

// More failed targets than the wave's budget allows halts the rollout.
bool over_budget(const WaveOutcome& w);


// What one target's run came to.
struct TargetRun {
  std::string state;  // succeeded | failed | interrupted
  std::string detail;
  std::map<std::string, std::string> services;
  long long duration_ms = 0;
};

class TargetExecutor {
 public:
  virtual ~TargetExecutor() = default;
  // Runs `up` on one target, recording history under `history_run_id`. Called from several threads.
  virtual TargetRun run(const ResolvedTarget& target, const std::string& history_run_id) = 0;
};

class RolloutObserver {
 public:
  virtual ~RolloutObserver() = default;
  virtual void wave_started(const WaveOutcome& wave, size_t to_run) {}
  // Called with the engine's lock held: keep it short.
  virtual void target_finished(const TargetOutcome& target) {}
  // --pause: asked between waves; false stops the rollout before `next`.
  virtual bool may_start(const WaveOutcome& previous, const WaveOutcome& next, size_t to_run) { return true; }
  // After every change worth keeping (each target, each wave, the end).
  virtual void save(const RolloutState& st) {}
};

class RolloutEngine {
 public:
  RolloutEngine(TargetExecutor& executor, RolloutObserver& observer, CancelHub& hub)
      : executor_(executor), observer_(observer), hub_(hub) {}
  // Claims from a shared store (many workers) instead of `st` in memory; `worker` names this one.
  void use_store(RolloutStore* store, std::string worker) {
    store_ = store;
    worker_ = std::move(worker);
  }
  // Walks every wave in order; returns with st set to the final state (outcome set unless this worker
  // was interrupted while others go on).
  void run(RolloutState& st, const WaveTargets& targets);

 private:
  void run_wave(RolloutStore& store, size_t wave, const std::vector<ResolvedTarget>& targets);
  TargetExecutor& executor_;
  RolloutObserver& observer_;
  CancelHub& hub_;
  RolloutStore* store_ = nullptr;
  std::string worker_;
};

}  // namespace orch

#pragma once
// `rollout`: waves of targets in order, targets inside a wave at once up to its max_parallel, halting
// when a wave exceeds its error budget. The engine drives waves through a TargetExecutor (tests use a
// fake; production runs UpEngine on each target) and reports to a RolloutObserver (the dashboard or
// plain lines, and where the state is kept).
#include <map>
#include <mutex>
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

// What one target's run came to.
struct TargetRun {
  TargetState state = TargetState::Failed;  // succeeded, failed or interrupted
  std::string detail;
  std::map<std::string, std::string> services;
  long long duration_ms = 0;
  // The run its history recorded when it differs from the one asked for (a takeover of a dead worker's
  // target: that worker's run keeps the id, as abandoned).
  std::string history_run_id;
};

class TargetExecutor {
 public:
  virtual ~TargetExecutor() = default;
  // Runs `up` on one target, recording history under `history_run_id`, until done or `cancel` is
  // cancelled (Ctrl-C, or its claim passed to another worker). Called from several threads.
  virtual TargetRun run(const ResolvedTarget& target, const std::string& history_run_id, CancelHub& cancel) = 0;
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
  // Something people should know (a lost and regained state connection, a claim passed on, a stalled
  // barrier: see barrier_wait_text). Called with the engine's lock held.
  virtual void note(const std::string& text) {}
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
  // How often a worker waiting at a wave's barrier says what it waits for (default 30 s).
  void stall_report_every(Millis every) { stall_every_ = every; }
  // Walks every wave in order; returns with st set to the final state (outcome set unless this worker
  // was interrupted while others go on, or its store failed).
  void run(RolloutState& st, const WaveTargets& targets);
  // Why this worker stopped early: its state database stayed unreachable. Empty otherwise.
  std::string failure();

 private:
  void run_wave(RolloutStore& store, size_t wave, const std::vector<ResolvedTarget>& targets);
  void claim_and_run(RolloutStore& store, size_t wave, const std::vector<ResolvedTarget>& targets,
                     const std::string& history_run_id);
  void wait_at_barrier(RolloutStore& store, size_t wave);
  TargetRun run_one(const ResolvedTarget& target, size_t wave, size_t index, const std::string& history_run_id);
  RolloutHooks hooks();
  void fail(const std::string& why);
  bool stopped();
  void note(const std::string& text);

  TargetExecutor& executor_;
  RolloutObserver& observer_;
  CancelHub& hub_;
  RolloutStore* store_ = nullptr;
  std::string worker_;
  Millis stall_every_{30000};
  std::mutex mu_;  // observer calls, running_, failure_
  std::map<std::pair<size_t, size_t>, CancelHub*> running_;  // this worker's targets now running
  std::string failure_;
};

}  // namespace orch

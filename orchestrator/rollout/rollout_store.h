#pragma once
// Where a rollout's progress lives while it runs, behind one interface (as ccache's storage backends):
// this process's memory saved to .orchestrate/rollouts/<run-id>.json (LocalRolloutStore), or rows in a
// PostgreSQL state database that many workers share (PgRolloutStore). The engine claims targets from
// the store, reports what they came to, and reads every worker's results back for the error budget and
// the wave barrier; nothing above it knows which store it has.
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "rollout/rollout_state.h"

namespace orch {

class RolloutStore {
 public:
  virtual ~RolloutStore() = default;
  // A target of `wave` that nobody runs (or whose worker died), marked running by this worker: its
  // index in the wave. nullopt when none is left to claim (others may still be running theirs).
  virtual std::optional<size_t> claim(size_t wave) = 0;
  // A claimed target ended (succeeded, failed or interrupted); its claim is released.
  virtual void finish(size_t wave, size_t index, const TargetOutcome& outcome) = 0;
  // The rollout as the store has it now, every worker's results included.
  virtual RolloutState snapshot() = 0;
  // Stops every worker claiming; the first reason is kept.
  virtual void halt(const std::string& reason) = 0;
  // After the walk: targets never run become not-reached (with the halt or interrupt reason), and the
  // outcome is set, unless this worker was interrupted while others go on. Returns the final state.
  virtual RolloutState end(bool interrupted) = 0;
};

// One process: the state in memory (the caller's), saved by `save` after every change.
class LocalRolloutStore : public RolloutStore {
 public:
  LocalRolloutStore(RolloutState& st, std::function<void(const RolloutState&)> save)
      : st_(st), save_(std::move(save)) {}
  std::optional<size_t> claim(size_t wave) override;
  void finish(size_t wave, size_t index, const TargetOutcome& outcome) override;
  RolloutState snapshot() override;
  void halt(const std::string& reason) override;
  RolloutState end(bool interrupted) override;

 private:
  std::mutex mu_;
  RolloutState& st_;
  std::function<void(const RolloutState&)> save_;
};

// Is every target of the wave ended (succeeded, failed, interrupted, not-reached)?
bool wave_ended(const WaveOutcome& w);

// The rollout's outcome once every wave was walked: succeeded | failed | halted | interrupted.
std::string rollout_outcome(const RolloutState& st, bool interrupted);

// Marks every target not ended as not-reached with `why`, and sets outcome and finished_at.
void close_rollout(RolloutState& st, bool interrupted);

}  // namespace orch

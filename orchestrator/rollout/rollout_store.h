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
#include "util/duration.h"

namespace orch {

// What the engine lends a store that talks to a database: a wait that ends on Ctrl-C, where to say
// things, and whom to tell when a claim was lost or the store gave up. Called from any thread.
struct RolloutHooks {
  std::function<bool(Millis)> sleep;                          // false when cancelled meanwhile
  std::function<void(const std::string&)> note;               // one line for people
  std::function<void(size_t wave, size_t index)> claim_lost;  // another worker runs it now: stop it here
  std::function<void(const std::string&)> failed;             // the store is gone for good: stop
};

class RolloutStore {
 public:
  virtual ~RolloutStore() = default;
  // Lends the store the engine's hooks; empty hooks take them back.
  virtual void attach(RolloutHooks) {}
  // A target of `wave` that nobody runs (or whose worker died: its claim free for the takeover grace),
  // marked running by this worker: its index in the wave. nullopt when none is left to claim (others may still be running theirs).
  virtual std::optional<size_t> claim(size_t wave) = 0;
  // A claimed target ended (succeeded, failed or interrupted); its claim is released. False when the
  // outcome was not recorded: the claim had passed to another worker, whose result counts.
  virtual bool finish(size_t wave, size_t index, const TargetOutcome& outcome) = 0;
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
  bool finish(size_t wave, size_t index, const TargetOutcome& outcome) override;
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
RolloutOutcome rollout_outcome(const RolloutState& st, bool interrupted);

// More failed targets than the wave's budget allows halts the rollout.
bool over_budget(const WaveOutcome& w);

// "wave canary exceeded its error budget: 2 failed, 0 allowed; later waves were not started", counted
// now (targets running when the budget was first exceeded may fail too). In the last wave, whose
// remaining targets are all that was left: "no further target was started".
std::string budget_halt_reason(const RolloutState& st, size_t wave);

// A halt for the budget is said again with the final count (the first reason is the one kept).
void recount_halt_reason(RolloutState& st);

// Marks every target not ended as not-reached with `why`, and sets outcome and finished_at.
void close_rollout(RolloutState& st, bool interrupted);

}  // namespace orch

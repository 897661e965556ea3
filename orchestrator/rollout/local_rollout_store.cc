#include "rollout/rollout_store.h"

#include "util/clock_text.h"
#include "util/text.h"

namespace orch {

bool over_budget(const WaveOutcome& w) { return w.count(TargetState::Failed) > w.max_failures; }

namespace {

std::string budget_prefix(const WaveOutcome& w) { return "wave " + w.name + " exceeded its error budget:"; }

}  // namespace

std::string budget_halt_reason(const RolloutState& st, size_t wave) {
  const WaveOutcome& w = st.waves[wave];
  bool later = false;
  for (size_t i = wave + 1; i < st.waves.size(); ++i)
    for (const auto& t : st.waves[i].targets) later = later || t.state != TargetState::Succeeded;
  return budget_prefix(w) + " " + std::to_string(w.count(TargetState::Failed)) + " failed, " + std::to_string(w.max_failures) +
         " allowed; " + (later ? "later waves were not started" : "no further target was started");
}

void recount_halt_reason(RolloutState& st) {
  for (size_t w = 0; w < st.waves.size(); ++w)
    if (starts_with(st.halted_reason, budget_prefix(st.waves[w]))) st.halted_reason = budget_halt_reason(st, w);
}

bool wave_ended(const WaveOutcome& w) {
  for (const auto& t : w.targets)
    if (!ended(t.state)) return false;
  return true;
}

RolloutOutcome rollout_outcome(const RolloutState& st, bool interrupted) {
  if (interrupted) return RolloutOutcome::Interrupted;
  if (!st.halted_reason.empty()) return RolloutOutcome::Halted;
  for (const auto& w : st.waves)
    if (w.count(TargetState::Failed) || w.count(TargetState::NotReached) || w.count(TargetState::Interrupted))
      return RolloutOutcome::Failed;
  return RolloutOutcome::Succeeded;
}

void close_rollout(RolloutState& st, bool interrupted) {
  recount_halt_reason(st);
  for (auto& w : st.waves)
    for (auto& t : w.targets)
      if (!ended(t.state)) {
        t.state = TargetState::NotReached;
        t.detail = interrupted ? "the rollout was interrupted" : st.halted_reason;
      }
  st.finished_at = iso8601_now();
  st.outcome = rollout_outcome(st, interrupted);
}

std::optional<size_t> LocalRolloutStore::claim(size_t wave) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!st_.halted_reason.empty()) return std::nullopt;
  auto& targets = st_.waves[wave].targets;
  for (size_t i = 0; i < targets.size(); ++i)
    if (targets[i].state == TargetState::Pending) {
      targets[i].state = TargetState::Running;
      return i;
    }
  return std::nullopt;
}

bool LocalRolloutStore::finish(size_t wave, size_t index, const TargetOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  st_.waves[wave].targets[index] = outcome;
  save_(st_);
  return true;
}

RolloutState LocalRolloutStore::snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  return st_;
}

void LocalRolloutStore::halt(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (st_.halted_reason.empty()) st_.halted_reason = reason;
}

RolloutState LocalRolloutStore::end(bool interrupted) {
  std::lock_guard<std::mutex> lock(mu_);
  close_rollout(st_, interrupted);
  save_(st_);
  return st_;
}

}  // namespace orch

#include "rollout/rollout_store.h"

#include "util/clock_text.h"

namespace orch {

bool wave_ended(const WaveOutcome& w) {
  for (const auto& t : w.targets)
    if (t.state == "pending" || t.state == "running") return false;
  return true;
}

std::string rollout_outcome(const RolloutState& st, bool interrupted) {
  if (interrupted) return "interrupted";
  if (!st.halted_reason.empty()) return "halted";
  for (const auto& w : st.waves)
    if (w.count("failed") || w.count("not-reached") || w.count("interrupted")) return "failed";
  return "succeeded";
}

void close_rollout(RolloutState& st, bool interrupted) {
  for (auto& w : st.waves)
    for (auto& t : w.targets)
      if (t.state == "pending" || t.state == "running") {
        t.state = "not-reached";
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
    if (targets[i].state == "pending") {
      targets[i].state = "running";
      return i;
    }
  return std::nullopt;
}

void LocalRolloutStore::finish(size_t wave, size_t index, const TargetOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  st_.waves[wave].targets[index] = outcome;
  save_(st_);
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

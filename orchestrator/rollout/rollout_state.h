#pragma once
// A rollout's progress, kept in .orchestrate/rollouts/<run-id>.json after every target, so a halted or
// interrupted rollout can be resumed where it stopped (`rollout --resume <run-id>`).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rollout/target_state.h"

namespace orch {

struct TargetOutcome {
  std::string name;
  TargetState state = TargetState::Pending;
  std::string detail;             // why it failed, or why it was not reached
  std::string history_run_id;     // the run recorded in this target's history
  std::map<std::string, std::string> services;  // service -> state ("applied", "up-to-date", ...)
  long long duration_ms = 0;
  std::string worker;             // who ran it ("worker-3@pod-name"), with a shared state database
  // With a shared state database, while it runs (for the barrier's stall report; not in the JSON):
  std::string started_at;         // when its worker claimed it (ISO 8601, UTC)
  long long heard_ms_ago = -1;    // since its worker's last heartbeat; -1 when unknown
};

struct WaveOutcome {
  std::string name;
  int max_parallel = 4;
  int max_failures = 0;
  std::vector<TargetOutcome> targets;
  int count(TargetState state) const;
};

struct RolloutState {
  std::string run_id;
  std::string project;
  std::string started_at;
  std::string finished_at;
  RolloutOutcome outcome = RolloutOutcome::Running;
  std::string halted_reason;
  int attempt = 1;                  // 2 and more after --resume
  std::vector<WaveOutcome> waves;

  nlohmann::ordered_json to_json() const;
  static RolloutState from_json(const nlohmann::json& j);
  void save(const std::filesystem::path& dir) const;  // atomically: write then rename
  static RolloutState load(const std::filesystem::path& dir, const std::string& run_id);
};

}  // namespace orch

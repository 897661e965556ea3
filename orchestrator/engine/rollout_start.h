#pragma once
// Where a rollout starts from: a new one, a saved one (--resume), or, with [rollout] state, the one
// every worker shares in the state database (created by the first worker to arrive, joined by the
// others: `rollout --run-id ID`).
#include <filesystem>
#include <memory>
#include <string>

#include "engine/rollout_engine.h"
#include "rollout/rollout_store.h"

namespace orch {

struct RolloutStart {
  RolloutState state;                    // where this worker starts from
  std::unique_ptr<RolloutStore> shared;  // the state database's store; null: local JSON in `state_dir`
  std::string worker;                    // "worker-3@pod-name"
  std::string where;                     // where the state is kept, for people
  bool ended = false;                    // the rollout already ended: nothing to do but report it
  bool created = false;                  // this worker created it
};

struct RolloutRequest {
  std::string run_id;  // --run-id: create or join; empty: a new id
  std::string resume;  // --resume ID
  std::filesystem::path state_dir;
};

Result<RolloutStart> start_rollout(const Manifest& m, const WaveTargets& targets, const RolloutRequest& req);

// The state database's rollout, read once (--watch).
Result<RolloutState> read_shared_rollout(const Manifest& m, const std::string& run_id);

}  // namespace orch

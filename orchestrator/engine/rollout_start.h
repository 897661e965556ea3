#pragma once
// Where a rollout starts from: a new one, a saved one (--resume), or, with [rollout] state, the one
// every worker shares in the state database (created by the first worker to arrive, joined by the
// others: `rollout --run-id ID`).
#include <filesystem>
#include <memory>
#include <string>

#include "engine/rollout_engine.h"
#include "rollout/pg_rollout_store.h"
#include "rollout/rollout_shape.h"
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

// The bounds of a shared rollout (docs/rollout.md), from ORCHESTRATE_ROLLOUT_RECONNECT,
// ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER and ORCHESTRATE_ROLLOUT_STALL_REPORT (durations), else defaults.
struct RolloutTimings {
  StateDbPolicy state;
  Millis stall_report{30000};
};
Result<RolloutTimings> rollout_timings_from_env();

struct RolloutRequest {
  std::string run_id;  // --run-id: create or join; empty: a new id
  std::string resume;  // --resume ID
  std::filesystem::path state_dir;
  RolloutTimings timings;
};

Result<RolloutStart> start_rollout(const Manifest& m, const WaveTargets& targets, const RolloutRequest& req);

// The targets this rollout may still change: every one not yet succeeded (what protection asks about).
std::vector<ResolvedTarget> targets_to_change(const RolloutState& st, const WaveTargets& targets);

// The state database's rollout, read once (--watch); a halted one whose workers are gone is closed.
Result<RolloutState> read_shared_rollout(const Manifest& m, const std::string& run_id, const RolloutTimings& timings);

// Where each service's migrations end, as its files say (through its kind): part of the shape.
ServiceHeads service_heads(const Manifest& m);

// The state database's URL with client TCP keepalives (idle 5 s, 3 probes 5 s apart), tcp_user_timeout
// 20 s and connect_timeout 5 s, unless the URL sets them: a worker whose network is cut off notices
// within about 20 s instead of hanging in a read, and each reconnect attempt gives up after 5 s.
std::string with_state_keepalives(const std::string& url);

}  // namespace orch

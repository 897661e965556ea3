#pragma once
// The SQL of the shared rollout's schema (orchestrate_rollout), apart from the store that uses it:
// creating and upgrading the tables, reading a rollout back, and settling one whose workers are gone.
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "rollout/rollout_state.h"
#include "util/duration.h"
#include "util/result.h"

namespace orch {

class Db;
class Tx;

// 2: targets.orphan_since (when a running target's claim was first seen free) and heartbeat_at.
// 3: index targets_open (the targets pending or running), which claims read.
constexpr int kRolloutSchemaVersion = 3;

// Creates schema orchestrate_rollout (version kRolloutSchemaVersion) when missing, upgrades an older
// one; refuses a newer one (exit 2: an older orchestrate must not join a newer rollout).
Status ensure_rollout_schema(Db& db);

namespace rollout_rows {

using TargetKey = std::pair<size_t, size_t>;  // wave, position

// Every worker of a run serialises creation, reopening and closing on this transaction lock.
void lock_run(Tx& tx, const std::string& run_id);
// The second key of a target's claim (the first is hashtext(run_id)), as text for a $n::int parameter.
std::string claim_key(size_t wave, size_t position);
RolloutState read_state(Tx& tx, const std::string& run_id);
void create(Tx& tx, const RolloutState& st, const nlohmann::json& shape, const std::string& worker);

// How a rollout stands when someone wants it closed.
enum class Settle {
  Closed,   // it has an outcome (now, or already)
  Running,  // a live worker holds a target, or (not halted) targets remain for the walk
  Waiting,  // it could close, but a running target's claim fell less than `takeover_after` ago: its
            // worker may be reconnecting to re-take it
};

// With the run's lock: once the rollout halted (or every target ended) and no running target has a
// live claim, it closes: targets never run and running ones whose claim fell (their worker died, and
// no one takes over after a halt) become not-reached, the halt's count is said again, the outcome is
// set. `mine` are the caller's own claims (live by definition). `st` is the state after.
Settle settle(Tx& tx, const std::string& run_id, const std::set<TargetKey>& mine, Millis takeover_after,
              RolloutState& st);

// A running target of another worker: is its claim free (its worker's session ended), and since when
// (stamped on the first sighting)? Takes the claim's lock for the transaction only.
enum class Claim { Held, FellRecently, Fell };
Claim claim_state(Tx& tx, const std::string& run_id, size_t wave, size_t position, Millis takeover_after);

// "10000 milliseconds", for a $n::interval parameter.
std::string interval(Millis d);

}  // namespace rollout_rows
}  // namespace orch

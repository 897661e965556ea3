#pragma once
// A rollout shared by many workers (Kubernetes Indexed Job pods) through a PostgreSQL state database:
// schema orchestrate_rollout holds the rollout, its waves, its targets (with their claims' worker and
// outcome) and each target's per-service results. A claim is a session advisory lock on the worker's
// store connection, so a worker that dies (SIGKILL, eviction) frees its targets at once and another
// worker takes them over. The schema is created on first use and versioned.
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "rollout/rollout_store.h"
#include "util/result.h"

namespace orch {

class Db;

constexpr int kRolloutSchemaVersion = 1;

class PgRolloutStore : public RolloutStore {
 public:
  // Creates rollout initial.run_id (the first worker to arrive) or joins it. A joiner whose shape
  // differs is refused (exit 2) naming what differs. With `resume`, an ended rollout is opened again:
  // every target that did not succeed is pending once more, in a new attempt.
  static Result<std::unique_ptr<PgRolloutStore>> open(std::unique_ptr<Db> db, const RolloutState& initial,
                                                       const nlohmann::json& shape, const std::string& worker,
                                                       bool resume);
  // The rollout as the database has it, for --watch (no claims, no changes).
  static Result<RolloutState> read(Db& db, const std::string& run_id);

  std::optional<size_t> claim(size_t wave) override;
  void finish(size_t wave, size_t index, const TargetOutcome& outcome) override;
  RolloutState snapshot() override;
  void halt(const std::string& reason) override;
  RolloutState end(bool interrupted) override;
  bool created() const { return created_; }

  PgRolloutStore(std::unique_ptr<Db> db, std::string run_id, std::string worker);

 private:
  std::mutex mu_;  // one connection, shared by this worker's threads
  std::unique_ptr<Db> db_;
  std::string run_id_;
  std::string worker_;
  std::set<std::pair<size_t, size_t>> mine_;  // claims this connection holds (advisory locks stack)
  bool created_ = false;
};

// Creates schema orchestrate_rollout (version kRolloutSchemaVersion) when missing; refuses a newer one.
Status ensure_rollout_schema(Db& db);

}  // namespace orch

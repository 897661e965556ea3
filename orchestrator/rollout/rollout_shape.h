#pragma once
// What every worker of one shared rollout must agree on: the services, where each one's migrations
// end (its heads: a worker built with fewer migration files would leave targets behind), the waves and
// the targets in each. The first worker records it; a worker whose manifest differs is refused (exit 2)
// with what differs, so two releases never run as one rollout.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manifest/manifest.h"
#include "rollout/rollout_state.h"

namespace orch {

// Each service's heads as its files declare them (the kind's read_state; none for a command service).
using ServiceHeads = std::map<std::string, std::vector<std::string>>;

// {"services": ["users:alembic:users", ...], "heads": {"users": ["c2e8a4f6b913"], ...},
//  "waves": [{"name", "max_parallel", "max_failures", "targets": [...]}]}
nlohmann::json rollout_shape(const Manifest& m, const RolloutState& st, const ServiceHeads& heads);
std::string shape_fingerprint(const nlohmann::json& shape);
// One line per difference ("services: this worker has meals:sql:meals, the rollout has not"); empty when equal.
std::vector<std::string> shape_differences(const nlohmann::json& ours, const nlohmann::json& theirs);

}  // namespace orch

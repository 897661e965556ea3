#pragma once
// What every worker of one shared rollout must agree on: the services, the waves and the targets in
// each. The first worker records it; a worker whose manifest differs is refused (exit 2) with what
// differs, so two releases never run as one rollout.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manifest/manifest.h"
#include "rollout/rollout_state.h"

namespace orch {

// {"services": ["users:alembic:users", ...], "waves": [{"name", "max_parallel", "max_failures", "targets": [...]}]}
nlohmann::json rollout_shape(const Manifest& m, const RolloutState& st);
std::string shape_fingerprint(const nlohmann::json& shape);
// One line per difference ("services: this worker has meals:sql:meals, the rollout has not"); empty when equal.
std::vector<std::string> shape_differences(const nlohmann::json& ours, const nlohmann::json& theirs);

}  // namespace orch

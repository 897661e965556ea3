#pragma once
// The end of a rollout: targets down, services across, each cell the service's state on that target;
// then each wave's totals and every failed or unreached target's one-line cause.
#include <ostream>

#include "manifest/manifest.h"
#include "rollout/rollout_state.h"

namespace orch {

void render_rollout_matrix(const Manifest& m, const RolloutState& st, std::ostream& out, bool color);

}  // namespace orch

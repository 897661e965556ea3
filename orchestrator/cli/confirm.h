#pragma once
// Asking before changing what must not change by accident: on a terminal a y/N prompt, without one
// --yes is required and the command refuses (exit 2), changing nothing.
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "targets/targets.h"

namespace orch {

// Returns true to go ahead; otherwise `rc` says how to exit (0 declined on a terminal, 2 refused).
bool confirm(const std::string& question, bool yes, int& rc);

// For protected targets among `targets`: lists them with their pending changes and asks once.
bool confirm_protected(const Manifest& m, const std::vector<ResolvedTarget>& targets, bool yes, int& rc);

}  // namespace orch

#pragma once
// Asking before changing what must not change by accident: on a terminal a y/N prompt, without one
// --yes is required and the command refuses (exit 2), changing nothing.
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "targets/targets.h"
#include "util/result.h"

namespace orch {

// Ok to go ahead. Otherwise the Error says how the command ends: exit 0 when the person declined
// ("nothing changed", already printed), exit 2 when there was no terminal to ask on (printed).
Status confirm(const std::string& question, bool yes);
// A yes/no question on the terminal; false without one (nothing is assumed).
bool ask_yes_no(const std::string& question);

// For protected targets among `targets`: lists them with their pending changes and asks once.
Status confirm_protected(const Manifest& m, const std::vector<ResolvedTarget>& targets, bool yes);

}  // namespace orch

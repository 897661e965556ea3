#pragma once
// What `rehearse` (and `up --rehearse`) says of one target's rehearsal: the text after the run's
// table, and the `rehearsal-finished` event (docs/events.md).
#include <ostream>
#include <string>

#include "cli/commands.h"
#include "engine/rehearse_engine.h"

namespace orch {

void print_rehearsal(const RehearseOutcome& r, const std::string& target, std::ostream& out);
void emit_rehearsal(const GlobalOptions& g, const std::string& run_id, const std::string& target, const RehearseOutcome& r);

}  // namespace orch

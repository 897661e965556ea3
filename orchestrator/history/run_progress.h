#pragma once
// Reads a run in progress from the history tables (what history/progress_writer wrote), for `status`.
#include <optional>
#include <string>

#include "report/running_run.h"

namespace orch {

class Db;

// The newest run of project/target still marked running, with its services; whether its session still
// holds the run lock says whether it is alive. nullopt when there is none, or the schema predates progress.
std::optional<RunInProgress> read_run_in_progress(Db& c, const std::string& project, const std::string& target);

}  // namespace orch

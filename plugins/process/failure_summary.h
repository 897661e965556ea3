#pragma once
// Turns a failed tool's output into what a person needs first: the one line that says what went wrong
// (Alembic's "FAILED: ..." or the exception at the end of a traceback) and the few lines around it
// that say where (the SQL, the file), without the noise of a full traceback.
#include <string>
#include <vector>

#include "process/child_process.h"

namespace orch {

struct FailureSummary {
  std::string error;                 // one line
  std::vector<std::string> details;  // a few meaningful lines
};

FailureSummary summarize_failure(const std::vector<std::string>& output, const ChildExit& exit,
                                 const std::string& command_text);

}  // namespace orch

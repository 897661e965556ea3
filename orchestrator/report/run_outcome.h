#pragma once
// How a run ended, derived once from its report: the history row, the JSON and Markdown reports and the
// event stream's run-finished all say this word.
#include "report/run_report.h"

namespace orch {

enum class RunOutcome { Succeeded, Failed, Interrupted };

// "succeeded", "failed", "interrupted" (docs/status-json.md, docs/events.md, the history's outcome).
inline const char* to_string(RunOutcome o) {
  switch (o) {
    case RunOutcome::Succeeded: return "succeeded";
    case RunOutcome::Failed: return "failed";
    case RunOutcome::Interrupted: return "interrupted";
  }
  return "failed";
}

// Interrupted when Ctrl-C stopped it; else succeeded when every service and the RLS phase did.
inline RunOutcome run_outcome(const RunReport& r) {
  if (r.interrupted) return RunOutcome::Interrupted;
  return r.ok() ? RunOutcome::Succeeded : RunOutcome::Failed;
}

}  // namespace orch

#include "engine/up_target_executor.h"
#include "util/exit_codes.h"

namespace orch {

TargetRun summarize_target(const UpOutcome& r) {
  TargetRun t;
  t.duration_ms = r.report.duration.count();
  for (const auto& s : r.report.services)
    t.services[s.name] = s.result.outcome == Outcome::Skipped ? "skipped" : to_string(s.result.outcome);
  if (r.exit_code == exit_code::kOk) {
    t.state = "succeeded";
  } else if (r.exit_code == exit_code::kInterrupted) {
    t.state = "interrupted";
    t.detail = "interrupted; its running migrations rolled back";
  } else {
    t.state = "failed";
    if (r.error) {
      t.detail = r.error->message;
    } else {
      for (const auto& s : r.report.services)
        if (s.result.outcome == Outcome::Failed) {
          t.detail = s.name + ": " + s.result.error;
          break;
        }
      if (t.detail.empty() && !r.report.rls.ok())
        t.detail = "RLS: " + (r.report.rls.reason.empty()
                                  ? std::to_string(r.report.rls.coverage.uncovered.size()) + " uncovered table(s)"
                                  : r.report.rls.reason);
    }
  }
  return t;
}

TargetRun UpTargetExecutor::run(const ResolvedTarget& target, const std::string& history_run_id, CancelHub& cancel) {
  UpConfig cfg = base_;
  cfg.run_id = history_run_id;
  cfg.command = "rollout";
  auto printer = printers_(target);
  UpEngine engine(m_, cfg, cancel);
  UpOutcome r = engine.run(
      target, [&](const StatusReport*) -> StatusPrinter& { return *printer; },
      [&](const std::string& note) { printer->note(note); });
  printer->finish();
  if (finished_) finished_(target, history_run_id, r);
  return summarize_target(r);
}

}  // namespace orch

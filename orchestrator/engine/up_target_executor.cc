#include "engine/up_target_executor.h"

#include "status/event_stream.h"
#include "util/exit_codes.h"

#include "engine/rehearse_engine.h"
#include "report/rehearsal_formats.h"
#include "status/run_logs.h"

namespace orch {

TargetRun summarize_target(const UpOutcome& r) {
  TargetRun t;
  t.duration_ms = r.report.duration.count();
  t.history_run_id = r.report.run_id;
  for (const auto& s : r.report.services)
    t.services[s.name] = s.result.outcome == Outcome::Skipped ? "skipped" : to_string(s.result.outcome);
  if (r.exit_code == exit_code::kOk) {
    t.state = TargetState::Succeeded;
  } else if (r.exit_code == exit_code::kInterrupted) {
    t.state = TargetState::Interrupted;
    t.detail = "interrupted; its running migrations rolled back";
  } else {
    t.state = TargetState::Failed;
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

// [rehearsal] before_rollout: the target's rehearsal, before its `up` starts; "" when it passed.
std::string UpTargetExecutor::rehearse_first(const ResolvedTarget& target, StatusPrinter& printer, CancelHub& cancel) {
  RehearseConfig rc;
  rc.up = base_;
  rc.up.run_id = new_run_id();
  RehearseEngine rehearsal(m_, rc, cancel);
  NoteFn note = [&](const std::string& text) { printer.note(text); };
  printer.note("rehearsing " + target.name + " on a shadow copy before its wave changes it");
  RehearseOutcome r = rehearsal.run(target, [&](const StatusReport*) -> StatusPrinter& { return printer; }, note);
  if (finished_ && r.ran && !r.up.error) finished_(target, rc.up.run_id, r.up);  // the shadow run's run-finished
  if (r.exit_code == 0) return "";
  if (r.error) return "rehearsal: " + r.error->message;
  for (const auto& s : r.up.report.services)
    if (s.result.outcome == Outcome::Failed) return "rehearsal: " + s.name + " would fail: " + s.result.error;
  for (const auto& l : r.locks)
    if (l.denied) return "rehearsal: " + l.text;
  return "rehearsal: `up` would fail (exit " + std::to_string(r.exit_code) + ")";
}

TargetRun UpTargetExecutor::run(const ResolvedTarget& target, const std::string& history_run_id, CancelHub& cancel) {
  UpConfig cfg = base_;
  cfg.run_id = history_run_id;
  cfg.command = "rollout";
  auto printer = printers_(target);
  if (m_.rehearsal.before_rollout) {
    std::string refused = rehearse_first(target, *printer, cancel);
    if (!refused.empty()) {
      printer->finish();
      if (finished_) {  // its run-finished says it did not start, and why
        UpOutcome not_started;
        not_started.exit_code = 1;
        not_started.error = Error{refused + "; the target was not changed"};
        not_started.report.run_id = history_run_id;
        finished_(target, history_run_id, not_started);
      }
      TargetRun t;
      t.state = cancel.cancelled() ? TargetState::Interrupted : TargetState::Failed;
      t.detail = refused + "; the target was not changed";
      return t;
    }
  }
  UpEngine engine(m_, cfg, cancel);
  UpOutcome r = engine.run(
      target, [&](const StatusReport*) -> StatusPrinter& { return *printer; },
      [&](const std::string& note) { printer->note(note); });
  printer->finish();
  if (finished_) finished_(target, history_run_id, r);
  return summarize_target(r);
}

void with_event_stream(std::shared_ptr<EventStream> stream, TargetPrinterFactory& printers, TargetFinished& finished) {
  printers = [inner = printers, stream](const ResolvedTarget& t) -> std::unique_ptr<StatusPrinter> {
    return std::make_unique<EventPrinter>(inner(t), stream);
  };
  finished = [inner = finished, stream](const ResolvedTarget& t, const std::string& run_id, const UpOutcome& r) {
    if (inner) inner(t, run_id, r);
    if (!r.error)
      stream->run_finished(r.report, r.exit_code);
    else
      stream->emit("run-finished", run_id, t.name,
                   {{"outcome", "not-started"}, {"exit_code", r.exit_code}, {"error", r.error->text()}});
    if (const auto& s = r.report.rehearsal)  // a before_rollout rehearsal: as `rehearse` reports it
      stream->emit("rehearsal-finished", run_id, t.name,
                   rehearsal_event_fields(s->exit_code, s->dump, s->restore, s->run, s->locks, ""));
  };
}

}  // namespace orch

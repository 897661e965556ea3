#include "process/process_runner.h"

#include "process/failure_summary.h"
#include "process/tool_run.h"
#include "util/text.h"

namespace orch {

std::vector<std::pair<std::string, std::string>> ProcessRunner::child_env(const RunJob& job) {
  return child_environment(*job.service, job.database_url, job.run_id);
}

void ProcessRunner::spawn(const RunJob& job, std::vector<std::string> argv, LineFn on_line,
                          std::function<void(const ChildExit&, const std::vector<std::string>&)> on_exit) {
  ChildSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = job.service->path;
  spec.env = child_env(job);
  spec.timeout = job.timeout;
  auto tail = std::make_shared<OutputTail>();
  children_.launch(
      ctx_.io, std::move(spec),
      [tail, on_line](const std::string& l) {
        tail->add(l);
        on_line(l);
      },
      [tail, on_exit](const ChildExit& e) { on_exit(e, tail->lines()); });
}

void ProcessRunner::start(const RunJob& job, LineFn on_line, DoneFn on_done) {
  if (interrupted_) {
    RunResult r;
    r.outcome = Outcome::Interrupted;
    on_done(r);
    return;
  }
  std::vector<std::string> argv = job.service->command;
  std::string cmd_text = join(argv, " ");
  spawn(job, argv, on_line, [on_done, cmd_text](const ChildExit& e, const std::vector<std::string>& tail) {
    RunResult r;
    record_exit(e, tail, cmd_text, r);
    on_done(std::move(r));
  });
}

void ProcessRunner::record_exit(const ChildExit& e, const std::vector<std::string>& tail, const std::string& cmd_text,
                                RunResult& r) {
  if (e.succeeded()) {
    r.outcome = Outcome::Applied;
    return;
  }
  FailureSummary f = summarize_failure(tail, e, cmd_text);
  r.outcome = e.interrupted ? Outcome::Interrupted : Outcome::Failed;
  r.error = f.error;
  r.details = f.details;
}

void ProcessRunner::interrupt() {
  interrupted_ = true;
  children_.terminate_all();
}

}  // namespace orch

#include "process/process_runner.h"

#include "process/failure_summary.h"
#include "util/text.h"

namespace orch {

std::vector<std::pair<std::string, std::string>> ProcessRunner::child_env(const RunJob& job) {
  const ServiceSpec& s = *job.service;
  std::vector<std::pair<std::string, std::string>> env = {
      {"DATABASE_URL", job.database_url},
      {"ORCHESTRATE_SERVICE", s.name},
      {"ORCHESTRATE_SCHEMA", s.schema},
      {"ORCHESTRATE_RUN_ID", job.run_id},
      {"PGAPPNAME", "orchestrate/" + s.name},
      {"PYTHONUNBUFFERED", "1"},  // stream Alembic's log as it happens, not at exit
  };
  for (const auto& kv : s.env) env.push_back(kv);
  return env;
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
    if (e.spawn_error.empty() && !e.signaled && e.code == 0 && !e.timed_out && !e.interrupted) {
      r.outcome = Outcome::Applied;
    } else {
      FailureSummary f = summarize_failure(tail, e, cmd_text);
      r.outcome = e.interrupted ? Outcome::Interrupted : Outcome::Failed;
      r.error = f.error;
      r.details = f.details;
    }
    on_done(std::move(r));
  });
}

void ProcessRunner::interrupt() {
  interrupted_ = true;
  children_.terminate_all();
}

}  // namespace orch

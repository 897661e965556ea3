#pragma once
// Runs a service's tool as a child process (the command runner as it is; the alembic runner after its
// pre-check): environment, streamed output, timeout, interrupt, and a failure summary for the report.
#include <memory>
#include <string>
#include <vector>

#include "process/child_tracker.h"
#include "runner_context.h"
#include "scheduler/runner.h"

namespace orch {

class ProcessRunner : public ServiceRunner {
 public:
  explicit ProcessRunner(RunnerContext ctx) : ctx_(ctx) {}
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
  void interrupt() override;

 protected:
  // The environment every child gets: DATABASE_URL, ORCHESTRATE_*, PGAPPNAME, the service's env.
  static std::vector<std::pair<std::string, std::string>> child_env(const RunJob& job);
  // Spawns `argv`; `on_exit` gets the exit and the output's tail.
  void spawn(const RunJob& job, std::vector<std::string> argv, LineFn on_line,
             std::function<void(const ChildExit&, const std::vector<std::string>& tail)> on_exit);

  // The tool's exit as the report says it: applied, or failed/interrupted with the summary of its output.
  static void record_exit(const ChildExit& e, const std::vector<std::string>& tail, const std::string& cmd_text,
                          RunResult& r);

  RunnerContext ctx_;
  ChildTracker children_;
  bool interrupted_ = false;
};

}  // namespace orch

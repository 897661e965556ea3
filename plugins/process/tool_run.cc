#include "process/tool_run.h"

#include <boost/asio/io_context.hpp>

#include "process/failure_summary.h"

namespace orch {

EnvList child_environment(const ServiceSpec& s, const std::string& database_url, const std::string& run_id) {
  EnvList env = {
      {"DATABASE_URL", database_url},
      {"ORCHESTRATE_SERVICE", s.name},
      {"ORCHESTRATE_SCHEMA", s.schema},
      {"ORCHESTRATE_RUN_ID", run_id},
      {"PGAPPNAME", "orchestrate/" + s.name},
      {"PYTHONUNBUFFERED", "1"},  // stream Alembic's log as it happens, not at exit
  };
  for (const auto& kv : s.env) env.push_back(kv);
  return env;
}

std::string ToolRun::failure_text(const std::string& command_text) const {
  if (exit.timed_out && exit.spawn_error.empty()) return "`" + command_text + "` did not finish in time";
  const auto& lines = err.empty() ? out : err;
  return summarize_failure(lines, exit, command_text).error;
}

ToolRun run_to_completion(const ToolSpec& spec) {
  ToolRun run;
  boost::asio::io_context io;
  ChildSpec child;
  child.argv = spec.argv;
  child.cwd = spec.cwd;
  child.env = spec.env;
  child.timeout = spec.timeout;
  if (spec.split_stderr) child.on_stderr_line = [&run](const std::string& l) { run.err.push_back(l); };
  auto handle = AsyncChild::launch(
      io, child,
      [&](const std::string& l) {
        run.out.push_back(l);
        if (spec.on_line) spec.on_line(l);
      },
      [&](const ChildExit& e) { run.exit = e; });
  io.run();
  return run;
}

}  // namespace orch

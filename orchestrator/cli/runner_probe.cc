#include "cli/runner_probe.h"

#include <boost/asio/io_context.hpp>
#include <boost/process/search_path.hpp>

#include "process/child_process.h"
#include "process/failure_summary.h"
#include "util/text.h"

namespace orch {

int run_tool(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
             const std::vector<std::pair<std::string, std::string>>& env, Millis timeout,
             std::vector<std::string>& output, std::string& spawn_error) {
  return run_tool_split(argv, cwd, env, timeout, output, nullptr, spawn_error);
}

int run_tool_split(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                   const std::vector<std::pair<std::string, std::string>>& env, Millis timeout,
                   std::vector<std::string>& output, std::vector<std::string>* err, std::string& spawn_error) {
  boost::asio::io_context io;
  ChildSpec spec;
  spec.argv = argv;
  spec.cwd = cwd;
  spec.env = env;
  spec.timeout = timeout;
  if (err) spec.on_stderr_line = [err](const std::string& l) { err->push_back(l); };
  ChildExit result;
  auto child = AsyncChild::launch(
      io, spec, [&](const std::string& l) { output.push_back(l); }, [&](const ChildExit& e) { result = e; });
  io.run();
  spawn_error = result.spawn_error;
  if (!result.spawn_error.empty()) return -1;
  if (result.timed_out) {
    spawn_error = "did not finish within " + format_duration(timeout);
    return -1;
  }
  return result.signaled ? -1 : result.code;
}

ProbeResult probe_runner(const ServiceSpec& s) {
  ProbeResult r;
  const std::string cmd = join(s.command, " ");
  if (s.runner == RunnerKind::Sql) {
    r.ok = true;
    r.version = "built in (libpq)";
    return r;
  }
  if (s.runner == RunnerKind::Command) {
    const std::string& exe = s.command.front();
    bool found = exe.find('/') != std::string::npos ? std::filesystem::exists(exe)
                                                    : !boost::process::search_path(exe).empty();
    r.ok = found;
    if (!found) {
      r.error = "`" + exe + "` (the command of service " + s.name + ") was not found";
      r.hint = "install it, or give its full path in the service's command";
    }
    return r;
  }
  std::vector<std::string> argv = s.command;
  argv.push_back("--version");
  std::vector<std::string> out;
  std::string spawn_error;
  int code = run_tool(argv, s.path, {}, Millis(30000), out, spawn_error);
  if (code == 0) {
    r.ok = true;
    for (const auto& l : out)
      if (!trim(l).empty()) r.version = trim(l);
    return r;
  }
  ChildExit e;
  e.code = code;
  e.spawn_error = spawn_error;
  FailureSummary f = summarize_failure(out, e, cmd);
  r.error = f.error;
  r.hint = f.details.empty() ? "check the command in [runners.alembic] or the service" : join(f.details, " ");
  return r;
}

}  // namespace orch

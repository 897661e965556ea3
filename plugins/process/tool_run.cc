#include "process/tool_run.h"

#include <boost/asio/io_context.hpp>

#include <cstdlib>

#include "manifest/database_ref.h"
#include "process/failure_summary.h"

namespace orch {

EnvList child_environment(const ServiceSpec& s, const std::string& database_url, const std::string& run_id) {
  EnvList env = {
      {"DATABASE_URL", url_for_children(database_url)},  // with the user's +asyncpg / +psycopg suffix
      {"ORCHESTRATE_SERVICE", s.name},
      {"ORCHESTRATE_SCHEMA", s.schema},
      {"ORCHESTRATE_RUN_ID", run_id},
      {"PGAPPNAME", "orchestrate/" + s.name},
      {"PYTHONUNBUFFERED", "1"},  // stream Alembic's log as it happens, not at exit
  };
  // The service's lock limits reach libpq (psycopg2, SQLAlchemy, psql) through PGOPTIONS. Options the
  // environment or the service's env already set come after ours, so theirs win; an env.py that passes
  // its own `options` overrides PGOPTIONS altogether (then the tool waits as it always did).
  auto ms = [](const std::optional<Millis>& d) { return d ? std::to_string(d->count()) + "ms" : std::string("0"); };
  std::string options = "-c lock_timeout=" + ms(s.locks.lock_timeout) + " -c statement_timeout=" + ms(s.locks.statement_timeout);
  if (const char* inherited = std::getenv("PGOPTIONS"); inherited && *inherited) options += std::string(" ") + inherited;
  for (const auto& [k, v] : s.env)
    if (k == "PGOPTIONS") options += " " + v;
  env.emplace_back("PGOPTIONS", options);
  for (const auto& kv : s.env)
    if (kv.first != "PGOPTIONS") env.push_back(kv);
  return env;
}

bool says_lock_timeout(const std::vector<std::string>& output) {
  for (const auto& l : output)
    if (l.find("LockNotAvailable") != std::string::npos || l.find("lock timeout") != std::string::npos ||
        l.find("55P03") != std::string::npos)
      return true;
  return false;
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

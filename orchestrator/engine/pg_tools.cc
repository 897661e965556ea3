#include "engine/pg_tools.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdlib>

#include "engine/shadow_url.h"
#include "process/child_process.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

std::string pg_bin_dir() {
  const char* dir = std::getenv("ORCHESTRATE_PG_BIN");
  return dir && *dir ? dir : "/usr/lib/postgresql/15/bin";
}

Result<PgToolRun> run_pg_tool(const std::string& tool, std::vector<std::string> args, const std::string& url,
                              const std::string& extra_pgoptions, CancelHub& hub) {
  auto parts = split_password(url);
  if (!parts) return parts.error();
  ChildSpec spec;
  spec.argv = {pg_bin_dir() + "/" + tool};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.argv.push_back("--dbname=" + parts->without_password);
  spec.grace = Millis(2000);
  // Only the password and the server options; the rest of libpq's environment is the user's.
  if (!parts->password.empty()) spec.env.emplace_back("PGPASSWORD", parts->password);
  spec.env.emplace_back("PGOPTIONS", extra_pgoptions);
  spec.env.emplace_back("PGAPPNAME", "orchestrate/rehearse " + tool);
  PgToolRun run;
  spec.on_stderr_line = [&run](const std::string& l) { run.err.push_back(secrets::scrub(l)); };
  boost::asio::io_context io;
  ChildExit exit;
  auto t0 = std::chrono::steady_clock::now();
  auto child = AsyncChild::launch(
      io, spec, [&run](const std::string& l) { run.out.push_back(l); }, [&exit](const ChildExit& e) { exit = e; });
  int handle = hub.add([&io, child] { boost::asio::post(io, [child] { child->terminate(); }); });
  io.run();
  hub.remove(handle);
  run.duration = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - t0);
  if (!exit.spawn_error.empty())
    return Error{tool + " could not start: " + exit.spawn_error, pg_bin_dir(),
                 "install PostgreSQL 15's client tools (postgresql-client-15), or set ORCHESTRATE_PG_BIN to their directory"};
  if (exit.interrupted || hub.cancelled())
    return Error{"interrupted while " + tool + " ran", "", "", 130};
  if (!exit.succeeded()) {
    std::vector<std::string> said_lines;  // pg_dump's blank lines would read ";; ;"
    for (const auto& l : run.err)
      if (!trim(l).empty()) said_lines.push_back(trim(l));
    std::vector<std::string> last(said_lines.end() - std::min<size_t>(said_lines.size(), 6), said_lines.end());
    std::string said = last.empty() ? "exit code " + std::to_string(exit.code) : join(last, "; ");
    return Error{tool + " failed: " + said};
  }
  return run;
}

}  // namespace orch

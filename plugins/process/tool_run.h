#pragma once
// Child processes as every command uses them: the one environment a service's tool gets, and running a
// tool to completion (check's probe, plan --sql, down, baseline), its output streamed or collected.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "manifest/manifest.h"
#include "process/child_process.h"
#include "util/duration.h"

namespace orch {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// DATABASE_URL, ORCHESTRATE_SERVICE/SCHEMA/RUN_ID, PGAPPNAME, PYTHONUNBUFFERED, PGOPTIONS with the
// service's lock_timeout and statement_timeout (inherited options appended, so they win), then the
// service's env.
EnvList child_environment(const ServiceSpec& s, const std::string& database_url, const std::string& run_id);

// Did a tool's output say a statement gave up waiting for a lock (SQLSTATE 55P03)?
bool says_lock_timeout(const std::vector<std::string>& output);

struct ToolRun {
  ChildExit exit;
  std::vector<std::string> out;   // stdout lines (and stderr's, unless split)
  std::vector<std::string> err;   // stderr lines, when split_stderr
  bool succeeded() const { return exit.succeeded(); }
  // One line for a failure: the spawn error, the timeout, or the last line it printed.
  std::string failure_text(const std::string& command_text) const;
};

struct ToolSpec {
  std::vector<std::string> argv;
  std::filesystem::path cwd;
  EnvList env;
  std::optional<Millis> timeout;
  bool split_stderr = false;
  std::function<void(const std::string&)> on_line;  // each stdout line as it comes, when set
};

ToolRun run_to_completion(const ToolSpec& spec);

}  // namespace orch

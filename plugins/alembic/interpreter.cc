#include "alembic/interpreter.h"

#include "process/tool_run.h"
#include "util/text.h"

namespace orch {

std::string driver_python_of(const std::vector<std::string>& command) {
  if (command.size() == 3 && command[1] == "-m" && command[2] == "alembic") return command[0];
  return "";
}

ZygoteKey interpreter_key(const ServiceSpec& s, const std::string& python) {
  ZygoteKey key;
  key.python = python;
  for (const auto& [k, v] : s.env) {
    if (!starts_with(k, "PYTHON") || k == "PYTHONUNBUFFERED") continue;
    if (k != "PYTHONPATH") {
      key.python_env.emplace_back(k, v);
      continue;
    }
    std::vector<std::string> entries;
    for (const auto& e : split(v, ':')) {
      if (e.empty()) continue;
      std::filesystem::path p = e;
      entries.push_back((p.is_absolute() ? p : s.path / p).lexically_normal().string());
    }
    key.python_env.emplace_back(k, join(entries, ":"));
  }
  return key;
}

DriverJobSpec driver_spec_for(const ServiceSpec& s, std::vector<std::string> args, const std::string& database_url,
                              const std::string& run_id) {
  DriverJobSpec spec;
  spec.interpreter = interpreter_key(s, driver_python_of(s.command));
  spec.alembic_args = {"-c", s.config};
  spec.alembic_args.insert(spec.alembic_args.end(), args.begin(), args.end());
  spec.cwd = s.path;
  spec.env = child_environment(s, database_url, run_id);
  spec.lock_timeout = s.locks.lock_timeout;
  spec.statement_timeout = s.locks.statement_timeout;
  spec.timeout = s.timeout;
  spec.version_schema = s.version_schema;
  spec.version_table = s.version_table;
  return spec;
}

}  // namespace orch

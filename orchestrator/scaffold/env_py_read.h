#pragma once
// What an Alembic project's env.py decides about a run, read (not run) by `orchestrate init` so the
// manifest can say it at the service: whether it imports the application (then the interpreter needs the
// service's dependencies, and maybe a PYTHONPATH), whether it passes its own connection options, and
// where it takes the database URL from (DATABASE_URL, which orchestrate sets, or its own settings).
#include <filesystem>
#include <string>
#include <vector>

namespace orch {

struct EnvPyFacts {
  std::vector<std::string> notes;        // one sentence each, for comments at the service
  std::vector<std::string> app_modules;  // top-level modules it imports that are not Alembic's, SQLAlchemy's or Python's
  std::string pythonpath;                // a PYTHONPATH (relative to the service's directory) that finds them; "" if none needed
};

// `service_dir` holds alembic.ini; `root` is the repository, the farthest up an import is looked for.
EnvPyFacts read_env_py(const std::filesystem::path& env_py, const std::filesystem::path& service_dir,
                       const std::filesystem::path& root);

// The env.py of an Alembic project: script_location in its ini (%(here)s resolved), else migrations/ or
// alembic/; empty when none is found.
std::filesystem::path env_py_of(const std::filesystem::path& service_dir, const std::string& ini = "alembic.ini");

}  // namespace orch

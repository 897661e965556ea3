#pragma once
// What `orchestrate init` finds in a repository: Alembic projects (an alembic.ini) and folders of
// numbered .sql files, each with the schema it probably owns and the Python it brings (a .venv, a
// Poetry project); and, from the shell script it replaces, the order the services ran in.
#include <filesystem>
#include <string>
#include <vector>

namespace orch {

struct FoundService {
  std::string name;             // the folder's name
  std::string runner;           // alembic | sql
  std::string path;             // relative to the repository, with '/'
  std::string schema;
  std::string schema_source;    // where the schema came from; "" when guessed from the folder name
  std::string python;           // "venv", "poetry" or ""
  std::string python_source;    // what was found (".venv/bin/python", "pyproject.toml with [tool.poetry]")
  std::string version_table;    // "public.alembic_version" when env.py leaves it on the search_path; "" otherwise
  std::string pythonpath;       // env PYTHONPATH (relative to path) that finds what env.py imports; "" if none needed
  std::vector<std::string> notes;  // what decides success, read from env.py or the .sql files: comments at the service
};

struct ScanOptions {
  bool poetry_installed = true;  // false: a Poetry project gets the shared interpreter, and a comment why
};

// Depth-first, sorted by path; skips .git, virtualenvs, caches, build output and node_modules. A folder
// with a generic name (alembic, migrations, sql, db, …) is named after its SQL's schema or its parent.
std::vector<FoundService> scan_project(const std::filesystem::path& root, const ScanOptions& options = {});

// Whether `poetry` is on PATH.
bool poetry_on_path();

// The service order of a shell script: a `NAME=( a b c )` array, else a `for x in a b c; do` loop. Words
// are folder names (paths are cut to their last part); empty when neither is found.
std::vector<std::string> order_from_script(const std::string& script);

// What this machine runs Alembic with: `python3` when the PATH's Python imports alembic, else Debian's
// /usr/bin/python3 when it does; "" when neither does.
std::string alembic_python();

}  // namespace orch

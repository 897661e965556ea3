#include "scaffold/project_scan.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "scaffold/env_py_read.h"
#include "scaffold/sql_folder_read.h"
#include "util/secret_command.h"
#include "util/text.h"

namespace orch {

namespace fs = std::filesystem;

namespace {

std::string guess_schema(std::string name) {
  for (const char* suffix : {"_service", "-service", "_svc"})
    if (name.size() > std::string(suffix).size() && name.compare(name.size() - std::string(suffix).size(), std::string::npos, suffix) == 0)
      name.resize(name.size() - std::string(suffix).size());
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// The nearest interpreter setting from the service's folder up to the repository: a .venv, a Poetry project.
void python_of(const fs::path& dir, const fs::path& root, const ScanOptions& o, FoundService& s) {
  std::error_code ec;
  for (fs::path d = dir;; d = d.parent_path()) {
    const std::string rel = fs::relative(d, root).generic_string();
    const std::string at = rel == "." ? "" : rel + "/";
    if (fs::exists(d / ".venv" / "bin" / "python", ec)) {
      s.python = d == dir ? "venv" : at + ".venv/bin/python";
      s.python_source = at + ".venv/bin/python";
      return;
    }
    if (fs::is_regular_file(d / "pyproject.toml", ec) &&
        read_text_file((d / "pyproject.toml").string()).find("[tool.poetry]") != std::string::npos) {
      s.python_source = at + "pyproject.toml with [tool.poetry]";
      if (o.poetry_installed) {
        s.python = "poetry";
      } else {
        s.notes.push_back("check this: the repository runs this service with Poetry (" + s.python_source +
                          "), but poetry is not installed here: it runs with [runners.alembic]'s interpreter, which "
                          "then needs this service's dependencies; with poetry installed, set python = \"poetry\"");
      }
      return;
    }
    if (d == root || d == d.parent_path()) return;
  }
}

bool generic_name(const std::string& n) {
  static const std::set<std::string> generic = {"alembic", "migrations", "migration", "sql", "db", "database",
                                                "schema", "alembic-config", "alembic_config", "versions"};
  return generic.count(n) > 0;
}

// One Alembic project: the schema env.py names, the interpreter, and what env.py decides.
void read_alembic(const fs::path& dir, const fs::path& root, const ScanOptions& o, FoundService& s) {
  s.runner = "alembic";
  static const std::regex literal(R"(version_table_schema\s*=\s*["']([A-Za-z_][A-Za-z0-9_]*)["'])");
  std::smatch m;
  const fs::path env_py = env_py_of(dir);
  const std::string env = read_text_file(env_py.string());
  if (std::regex_search(env, m, literal)) {
    s.schema = m[1].str();
    s.schema_source = "version_table_schema in env.py";
  }
  // An env.py that configures the context itself without version_table_schema (and without a search_path
  // of its own) has Alembic keep its version in public.alembic_version, not in the service's schema.
  if (env.find("configure(") != std::string::npos && env.find("version_table_schema") == std::string::npos &&
      env.find("search_path") == std::string::npos)
    s.version_table = "public.alembic_version";
  else if (env.find("search_path") != std::string::npos && !std::regex_search(env, m, literal))
    s.notes.push_back("check this: env.py sets a search_path and no literal version_table_schema: Alembic keeps its "
                      "version in the first schema of that search_path; say which with version_table = \"SCHEMA.alembic_version\"");
  python_of(dir, root, o, s);
  EnvPyFacts facts = read_env_py(env_py, dir, root);
  s.pythonpath = facts.pythonpath;
  s.notes.insert(s.notes.end(), facts.notes.begin(), facts.notes.end());
}

void read_sql(const fs::path& dir, FoundService& s) {
  s.runner = "sql";
  SqlFolderFacts facts = read_sql_folder(dir);
  s.schema = facts.schema;
  s.schema_source = facts.schema_source;
  s.notes = facts.notes;
}

}  // namespace

bool poetry_on_path() {
  const char* path = std::getenv("PATH");
  for (const auto& d : split(path ? path : "", ':'))
    if (!d.empty() && ::access((fs::path(d) / "poetry").c_str(), X_OK) == 0) return true;
  return false;
}

// The folder's name as a person calls it: "." and a trailing slash name the folder itself.
static std::string folder_name(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

std::vector<FoundService> scan_project(const fs::path& root, const ScanOptions& options) {
  static const std::set<std::string> skip = {".git", ".venv", "venv", "node_modules", "__pycache__", "build",
                                             ".orchestrate", ".tox", ".mypy_cache", "site-packages"};
  std::vector<FoundService> out;
  std::vector<fs::path> alembic_dirs;
  // One folder: an Alembic project (alembic.ini) or a folder of numbered .sql files, or neither.
  auto consider = [&](const fs::path& dir) {
    bool inside_alembic = std::any_of(alembic_dirs.begin(), alembic_dirs.end(), [&](const fs::path& a) {
      return dir.string().rfind(a.string() + "/", 0) == 0;
    });
    std::error_code ec;
    FoundService s;
    s.name = folder_name(dir);
    s.path = dir == root ? "." : fs::relative(dir, root).generic_string();
    // Regular files only: a FIFO named alembic.ini would hang the read (read_text_file refuses it too).
    if (fs::is_regular_file(dir / "alembic.ini", ec)) {
      alembic_dirs.push_back(dir);
      read_alembic(dir, root, options, s);
    } else if (dir != root && !inside_alembic && !numbered_sql_files(dir).empty()) {
      read_sql(dir, s);
    } else {
      return;
    }
    if (generic_name(s.name)) s.name = s.runner == "sql" && !s.schema.empty() ? s.schema : folder_name(dir / "..");
    if (s.schema.empty()) s.schema = guess_schema(s.name);
    out.push_back(s);
  };
  // The folder itself first (`init` inside a project whose alembic.ini is right there: path = ".").
  consider(root);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_directory()) continue;
    const fs::path dir = it->path();
    if (skip.count(dir.filename().string()) || it.depth() > 4) {
      it.disable_recursion_pending();
      continue;
    }
    consider(dir);
  }
  std::sort(out.begin(), out.end(), [](const FoundService& a, const FoundService& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> order_from_script(const std::string& script) {
  static const std::regex array(R"(\b[A-Za-z_][A-Za-z0-9_]*=\(\s*([^)]*)\))");
  static const std::regex loop(R"(\bfor\s+\w+\s+in\s+([^;\n]+?)\s*;?\s*(?:\n\s*)?do\b)");
  std::smatch m;
  std::string words;
  if (std::regex_search(script, m, array)) words = m[1].str();
  else if (std::regex_search(script, m, loop)) words = m[1].str();
  std::vector<std::string> out;
  std::istringstream in(words);
  for (std::string w; in >> w;) {
    w.erase(std::remove_if(w.begin(), w.end(), [](char c) { return c == '"' || c == '\''; }), w.end());
    while (!w.empty() && w.back() == '/') w.pop_back();
    if (auto slash = w.rfind('/'); slash != std::string::npos) w = w.substr(slash + 1);
    if (!w.empty() && w[0] != '#' && w[0] != '$') out.push_back(w);
  }
  return out;
}

std::string alembic_python() {
  for (const char* py : {"python3", "/usr/bin/python3"})
    if (run_command_output({py, "-c", "import alembic; print(1)"}, "")) return py;  // says something: stdout is the answer
  return "";
}

}  // namespace orch

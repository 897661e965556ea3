#include "scaffold/project_scan.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "util/secret_command.h"
#include "util/text.h"

namespace orch {

namespace fs = std::filesystem;

namespace {

// The env.py of an Alembic project: script_location in the ini (%(here)s resolved), else migrations/ or alembic/.
fs::path env_py_of(const fs::path& dir) {
  static const std::regex location(R"(^\s*script_location\s*=\s*(\S+))");
  std::istringstream ini(read_text_file(dir / "alembic.ini"));
  for (std::string line; std::getline(ini, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, location)) continue;
    std::string where = m[1].str();
    if (where.rfind("%(here)s/", 0) == 0) where = where.substr(9);
    return dir / where / "env.py";
  }
  for (const char* d : {"migrations", "alembic"})
    if (fs::is_regular_file(dir / d / "env.py")) return dir / d / "env.py";
  return {};
}

std::string guess_schema(std::string name) {
  for (const char* suffix : {"_service", "-service", "_svc"})
    if (name.size() > std::string(suffix).size() && name.compare(name.size() - std::string(suffix).size(), std::string::npos, suffix) == 0)
      name.resize(name.size() - std::string(suffix).size());
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

bool numbered_sql(const fs::path& dir) {
  static const std::regex numbered(R"(^\d+_.+\.sql$)");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (e.is_regular_file(ec) && std::regex_match(f, numbered) && f.find(".down.sql") == std::string::npos) return true;
  }
  return false;
}

void python_of(const fs::path& dir, FoundService& s) {
  if (fs::exists(dir / ".venv" / "bin" / "python")) {
    s.python = "venv";
    s.python_source = s.path + "/.venv/bin/python";
  } else if (fs::is_regular_file(dir / "pyproject.toml") && read_text_file(dir / "pyproject.toml").find("[tool.poetry]") != std::string::npos) {
    s.python = "poetry";
    s.python_source = s.path + "/pyproject.toml with [tool.poetry]";
  }
}

}  // namespace

std::vector<FoundService> scan_project(const fs::path& root) {
  static const std::set<std::string> skip = {".git", ".venv", "venv", "node_modules", "__pycache__", "build",
                                             ".orchestrate", ".tox", ".mypy_cache", "site-packages"};
  std::vector<FoundService> out;
  std::vector<fs::path> alembic_dirs;
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
    bool inside_alembic = std::any_of(alembic_dirs.begin(), alembic_dirs.end(), [&](const fs::path& a) {
      return dir.string().rfind(a.string() + "/", 0) == 0;
    });
    FoundService s;
    s.name = dir.filename().string();
    s.path = fs::relative(dir, root).generic_string();
    // Regular files only: a FIFO named alembic.ini would hang the read (read_text_file refuses it too).
    if (fs::is_regular_file(dir / "alembic.ini", ec)) {
      alembic_dirs.push_back(dir);
      s.runner = "alembic";
      static const std::regex literal(R"(version_table_schema\s*=\s*["']([A-Za-z_][A-Za-z0-9_]*)["'])");
      std::smatch m;
      const std::string env = read_text_file(env_py_of(dir));
      if (std::regex_search(env, m, literal)) {
        s.schema = m[1].str();
        s.schema_source = "version_table_schema in env.py";
      }
    } else if (!inside_alembic && numbered_sql(dir)) {
      s.runner = "sql";
    } else {
      continue;
    }
    if (s.schema.empty()) s.schema = guess_schema(s.name);
    if (s.runner == "alembic") python_of(dir, s);
    out.push_back(s);
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
  return "python3";
}

}  // namespace orch

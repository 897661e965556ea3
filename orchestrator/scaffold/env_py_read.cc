#include "scaffold/env_py_read.h"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "util/text.h"

namespace orch {

namespace fs = std::filesystem;

namespace {

// Modules that are Python's, Alembic's or its database drivers': importing them says nothing about the app.
bool is_tooling(const std::string& m) {
  static const std::set<std::string> known = {
      "__future__", "abc", "argparse", "asyncio", "collections", "configparser", "contextlib", "dataclasses",
      "datetime", "enum", "functools", "importlib", "inspect", "itertools", "json", "logging", "os", "pathlib",
      "re", "sys", "time", "types", "typing", "urllib", "uuid", "warnings", "alembic", "sqlalchemy", "psycopg2",
      "psycopg", "asyncpg", "dotenv", "sqlmodel"};
  return known.count(m) > 0;
}

std::vector<std::string> imported_modules(const std::string& py) {
  static const std::regex from(R"(^\s*from\s+([A-Za-z_]\w*)[\w.]*\s+import\b)");
  static const std::regex plain(R"(^\s*import\s+([A-Za-z_]\w*))");
  std::vector<std::string> out;
  std::istringstream in(py);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, from) || std::regex_search(line, m, plain)) {
      const std::string mod = m[1].str();
      if (!is_tooling(mod) && std::find(out.begin(), out.end(), mod) == out.end()) out.push_back(mod);
    }
  }
  return out;
}

// The directory from which `import mod` finds it: the service's directory, its src/, or one above it up
// to the repository root (and their src/); empty when the repository does not hold it (a dependency).
fs::path where_importable(const std::string& mod, const fs::path& service_dir, const fs::path& root) {
  std::error_code ec;
  for (fs::path d = service_dir;; d = d.parent_path()) {
    for (const fs::path& base : {d, d / "src"})
      if (fs::is_directory(base / mod, ec) || fs::is_regular_file(base / (mod + ".py"), ec)) return base;
    if (d == root || d == d.parent_path() || d.string().size() < root.string().size()) break;
  }
  // Elsewhere in the repository (a shared folder env.py adds to sys.path): a package or a module.
  static const std::set<std::string> skip = {".git", ".venv", "venv", "node_modules", "__pycache__", "site-packages"};
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec) && (skip.count(it->path().filename().string()) || it.depth() > 4)) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string name = it->path().filename().string();
    if ((name == mod && fs::is_regular_file(it->path() / "__init__.py", ec)) || name == mod + ".py")
      return it->path().parent_path();
  }
  return {};
}

void url_notes(const std::string& py, EnvPyFacts& f) {
  static const std::regex env_read(R"(os\.(?:environ\.get|getenv)\(\s*["'](\w+)["']|os\.environ\[\s*["'](\w+)["']\s*\])");
  static const std::regex settings(R"(\b((?:get_)?settings(?:\(\))?|config_obj|app_config)\.(\w*(?:url|dsn|database)\w*))",
                                   std::regex::icase);
  std::set<std::string> vars;
  for (std::sregex_iterator it(py.begin(), py.end(), env_read), end; it != end; ++it) {
    const std::string v = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
    static const std::regex urlish("URL|DSN|DATABASE|DB|PG", std::regex::icase);
    if (std::regex_search(v, urlish)) vars.insert(v);
  }
  std::smatch s;
  const bool from_settings = std::regex_search(py, s, settings);
  if (vars.count("DATABASE_URL")) {
    f.notes.push_back("env.py reads DATABASE_URL, which orchestrate sets to the target's URL for every child");
  } else if (!vars.empty()) {
    f.notes.push_back("check this: env.py reads the URL from " + join({vars.begin(), vars.end()}, ", ") +
                      ", not DATABASE_URL (the variable orchestrate sets): make it read DATABASE_URL, or it "
                      "migrates whatever that variable names");
  } else if (from_settings) {
    f.notes.push_back("check this: env.py reads the URL from its own settings (" + s[1].str() + "." + s[2].str() +
                      "), not DATABASE_URL (the variable orchestrate sets): unless those settings read "
                      "DATABASE_URL, it migrates the database they name");
  } else if (py.find("sqlalchemy.url") != std::string::npos) {
    f.notes.push_back("check this: env.py takes sqlalchemy.url from alembic.ini, not DATABASE_URL (the variable "
                      "orchestrate sets): make it read DATABASE_URL");
  }
}

}  // namespace

fs::path env_py_of(const fs::path& dir, const std::string& ini) {
  static const std::regex location(R"(^\s*script_location\s*=\s*(\S+))");
  std::istringstream in(read_text_file((dir / ini).string()));
  for (std::string line; std::getline(in, line);) {
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

EnvPyFacts read_env_py(const fs::path& env_py, const fs::path& service_dir, const fs::path& root) {
  EnvPyFacts f;
  const std::string py = read_text_file(env_py.string());
  if (py.empty()) return f;
  f.app_modules = imported_modules(py);
  const bool extends_path = std::regex_search(py, std::regex(R"(sys\.path\.(?:insert|append)\()"));
  if (!f.app_modules.empty()) {
    std::vector<std::string> in_repo, elsewhere;
    for (const auto& mod : f.app_modules) {
      const fs::path base = where_importable(mod, service_dir, root);
      (base.empty() ? elsewhere : in_repo).push_back(mod);
      if (!base.empty() && base != service_dir && f.pythonpath.empty() && !extends_path)
        f.pythonpath = fs::relative(base, service_dir).generic_string();
    }
    std::string what = "env.py imports ";
    if (!in_repo.empty()) what += "the application (" + join(in_repo, ", ") + ")";
    if (!elsewhere.empty()) what += std::string(in_repo.empty() ? "" : " and ") + join(elsewhere, ", ") + " (not in the repository: dependencies)";
    f.notes.push_back(what + ": the interpreter needs this service's dependencies installed, not only Alembic");
    if (extends_path) f.notes.push_back("env.py extends sys.path itself to find them");
  }
  if (std::regex_search(py, std::regex(R"(connect_args\s*=|server_settings|["']options["']\s*:)")))
    f.notes.push_back("env.py passes its own connection options (connect_args / options): orchestrate's driver adds "
                      "lock_timeout to them; run through another command, they replace the PGOPTIONS orchestrate sets");
  url_notes(py, f);
  return f;
}

}  // namespace orch

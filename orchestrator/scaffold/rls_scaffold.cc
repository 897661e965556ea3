#include "scaffold/rls_scaffold.h"

#include <fstream>

#include <algorithm>
#include <set>
#include <sstream>

#include "scaffold/script_read.h"
#include "util/sql_split.h"
#include "util/text.h"

namespace orch {

namespace fs = std::filesystem;

std::vector<fs::path> shell_scripts(const fs::path& root) {
  static const std::set<std::string> skip = {".git", ".venv", "venv", "node_modules", "__pycache__", "build",
                                             ".orchestrate", "site-packages"};
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) {
      if (skip.count(it->path().filename().string()) || it.depth() >= 3) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && it->path().extension() == ".sh" && it->file_size(ec) < (1u << 20))
      out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string rls_sql_without_transaction(const std::string& sql, std::vector<std::string>& removed) {
  std::string text;
  std::istringstream in(sql);
  for (std::string line; std::getline(in, line);) {
    const std::string t = trim(line);
    if (!t.empty() && t[0] == '\\') {  // psql's own commands (\set ON_ERROR_STOP on, \echo): not SQL
      removed.push_back(t);
      text += "-- " + t + "   (a psql command: removed by orchestrate init)\n";
    } else {
      text += line + "\n";
    }
  }
  auto parsed = parse_sql_trees(text);
  if (!parsed) return text;  // `check` reports where it does not parse
  std::vector<std::string> control;
  for (auto it = parsed->rbegin(); it != parsed->rend(); ++it) {  // from the end: offsets before stay true
    if (!is_transaction_control(*it)) continue;
    size_t end = it->offset + it->length;
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
    if (end < text.size() && text[end] == ';') ++end;
    control.insert(control.begin(), it->keyword);
    text.replace(it->offset, end - it->offset,
                 "-- " + it->keyword + " removed by orchestrate init: the RLS phase runs in one transaction of its own");
  }
  removed.insert(removed.end(), control.begin(), control.end());
  return text;
}

RlsFromScripts rls_from_scripts(const std::vector<fs::path>& scripts, const fs::path& root) {
  RlsFromScripts r;
  for (const auto& script : scripts) {
    const std::string name = fs::relative(script, root).generic_string();
    const auto blocks = psql_sql(read_text_file(script.string()), script.parent_path(), root);
    std::vector<const PsqlSql*> rls;
    for (const auto& b : blocks) {
      if (!b.unread.empty()) r.notes.push_back(name + ":" + std::to_string(b.line) + " runs psql " + b.how + ", which was not read: " + b.unread);
      else if (is_rls_sql(b.sql)) rls.push_back(&b);
    }
    for (size_t i = 0; i < rls.size(); ++i) {
      const PsqlSql& b = *rls[i];
      RlsFile f;
      f.path = "rls/" + script.stem().string() + (rls.size() > 1 ? "-" + std::to_string(i + 1) : "") + ".sql";
      f.source = name + ":" + std::to_string(b.line) + " (psql " + b.how + ")";
      std::vector<std::string> removed;
      f.text = "-- From " + f.source + ", by orchestrate init.\n" + rls_sql_without_transaction(b.sql, removed);
      if (!removed.empty())
        r.notes.push_back(f.path + ": removed " + join(removed, ", ") + " (the RLS phase runs in one transaction; "
                          "psql commands are not SQL)");
      if (b.shell_expanded)
        r.notes.push_back("check this: " + f.path + " holds shell variables ($…) the script's shell substituted; "
                          "put their values in");
      r.files.push_back(std::move(f));
    }
  }
  return r;
}

bool write_rls_files(const std::filesystem::path& root, const std::vector<RlsFile>& files, bool force,
                     std::ostream& out, std::ostream& err) {
  for (const auto& f : files) {
    const auto path = root / f.path;
    if (std::filesystem::exists(path) && read_text_file(path.string()) != f.text && !force) {
      err << "error: " << path.string() << " exists and differs from what init would write; init never "
             "overwrites it without --force\n";
      return false;
    }
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << f.text;
    out << "wrote " << path.string() << " from " << f.source << "\n";
  }
  return true;
}

}  // namespace orch

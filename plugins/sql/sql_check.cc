#include "sql/sql_check.h"

#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "sql/sql_migrations.h"
#include "util/sql_split.h"
#include "util/text.h"

namespace fs = std::filesystem;

namespace orch {

namespace {

// The version a name seems to carry: its leading digits, after letters such as Flyway's "V"
// ("V004__add.sql", "004-add.sql", "004_add.SQL"); nullopt when it carries none.
std::optional<long long> version_in_name(const std::string& name) {
  size_t from = 0;
  while (from < name.size() && std::isalpha(static_cast<unsigned char>(name[from]))) ++from;
  size_t to = from;
  while (to < name.size() && std::isdigit(static_cast<unsigned char>(name[to]))) ++to;
  if (to == from || to - from > 18) return std::nullopt;
  return std::stoll(name.substr(from, to - from));
}

// Entries of the service directory that look numbered but are not read as migrations, and why: a
// gap they sit in is not "nothing" (read_sql_migrations reads NNNN_name.sql files only).
std::map<long long, std::string> unread_numbered(const fs::path& dir) {
  std::map<long long, std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    auto v = version_in_name(name);
    if (!v || out.count(*v)) continue;
    std::error_code dec;
    if (it->is_directory(dec)) out[*v] = name + " is a directory (migrations are files in " + dir.filename().string() + " itself)";
    else if (ends_with(name, ".down.sql")) out[*v] = name + " is a down file, and no up file has its version";
    else if (it->path().extension() != ".sql")
      out[*v] = name + " is not read: only files ending in .sql are migrations (rename it NNNN_name.sql)";
  }
  return out;
}

}  // namespace

std::vector<Finding> check_sql_files(const std::filesystem::path& dir, const std::string& shown, size_t max_file_bytes) {
  std::vector<Finding> out;
  SqlMigrationSet set = read_sql_migrations(dir, max_file_bytes);
  // Every error reads "FILE: message" or "FILE:LINE: message".
  // What sits in a gap, by version: a file not read at all (said in the gap's warning), or one refused
  // here (its error already says why, so a gap that only such files fill is not warned about again).
  std::map<long long, std::string> between = unread_numbered(dir);
  std::set<long long> refused;
  for (const auto& e : set.errors) {
    size_t colon = e.find(": ");
    std::string where = colon == std::string::npos ? "" : e.substr(0, colon);
    std::string message = colon == std::string::npos ? e : e.substr(colon + 2);
    if (auto v = version_in_name(where)) {
      refused.insert(*v);
      between.erase(*v);
    }
    bool naming = message.find("version") != std::string::npos;
    out.push_back({Severity::Error, shown + "/" + where, message,
                   naming ? "name files NNNN_name.sql with a unique version number" : "", ""});
  }
  // The parser of PostgreSQL 15, before anything runs: a syntax error at its line and column.
  for (const auto& m : set.migrations) {
    auto parsed = for_each_statement(m.contents, false, [](const ParsedStatement&) {});
    if (!parsed)
      out.push_back({Severity::Error, shown + "/" + m.path.filename().string() + ":" + parsed.error().where,
                     "syntax error: " + parsed.error().message,
                     "PostgreSQL's own parser (version 15 grammar) refuses this statement", ""});
  }
  for (size_t i = 1; i < set.migrations.size(); ++i) {
    long long a = set.migrations[i - 1].version, b = set.migrations[i].version;
    if (b <= a + 1) continue;
    const std::string gap = "gap in versions between " + set.migrations[i - 1].version_text + " and " +
                            set.migrations[i].version_text;
    std::vector<std::string> there;
    for (auto it = between.upper_bound(a); it != between.end() && it->first < b; ++it) there.push_back(it->second);
    bool held_by_refused = refused.upper_bound(a) != refused.end() && *refused.upper_bound(a) < b;
    if (there.empty() && held_by_refused) continue;
    if (there.empty())
      out.push_back({Severity::Warning, shown + "/" + set.migrations[i].path.filename().string(),
                     "gap in versions: nothing between " + set.migrations[i - 1].version_text + " and " +
                         set.migrations[i].version_text,
                     "harmless if intended (a removed draft); orchestrate applies in numeric order", ""});
    else
      out.push_back({Severity::Warning, shown + "/" + set.migrations[i].path.filename().string(),
                     gap + ": " + join(there, "; "),
                     "orchestrate reads only NNNN_name.sql files: fix or rename it, or remove it if the gap is intended", ""});
  }
  return out;
}

}  // namespace orch

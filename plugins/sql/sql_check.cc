#include "sql/sql_check.h"

#include <set>

#include "sql/sql_migrations.h"
#include "util/sql_split.h"

namespace orch {

std::vector<Finding> check_sql_files(const std::filesystem::path& dir, const std::string& shown, size_t max_file_bytes) {
  std::vector<Finding> out;
  SqlMigrationSet set = read_sql_migrations(dir, max_file_bytes);
  // Every error reads "FILE: message" or "FILE:LINE: message".
  std::set<long long> refused;  // versions of files refused above: they explain a gap, so no warning
  for (const auto& e : set.errors) {
    size_t colon = e.find(": ");
    std::string where = colon == std::string::npos ? "" : e.substr(0, colon);
    if (size_t digits = where.find_first_not_of("0123456789"); digits > 0 && digits != std::string::npos && digits < 19)
      refused.insert(std::stoll(where.substr(0, digits)));
    std::string message = colon == std::string::npos ? e : e.substr(colon + 2);
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
    if (b > a + 1 && refused.lower_bound(a + 1) == refused.lower_bound(b))
      out.push_back({Severity::Warning, shown + "/" + set.migrations[i].path.filename().string(),
                     "gap in versions: nothing between " + set.migrations[i - 1].version_text + " and " +
                         set.migrations[i].version_text,
                     "harmless if intended (a removed draft); orchestrate applies in numeric order", ""});
  }
  return out;
}

}  // namespace orch

#include "sql/sql_check.h"

#include "sql/sql_migrations.h"

namespace orch {

std::vector<Finding> check_sql_files(const std::filesystem::path& dir, const std::string& shown) {
  std::vector<Finding> out;
  SqlMigrationSet set = read_sql_migrations(dir);
  for (const auto& e : set.errors)
    out.push_back({Severity::Error, shown + "/" + e.substr(0, e.find(':')), e.substr(e.find(':') + 2),
                   "name files NNNN_name.sql with a unique version number", ""});
  for (size_t i = 1; i < set.migrations.size(); ++i) {
    long long a = set.migrations[i - 1].version, b = set.migrations[i].version;
    if (b > a + 1)
      out.push_back({Severity::Warning, shown + "/" + set.migrations[i].path.filename().string(),
                     "gap in versions: nothing between " + set.migrations[i - 1].version_text + " and " +
                         set.migrations[i].version_text,
                     "harmless if intended (a removed draft); orchestrate applies in numeric order", ""});
  }
  return out;
}

}  // namespace orch

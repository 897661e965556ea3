#include "sql/sql_ledger.h"

namespace orch {

std::string ledger_ddl(const std::string& qs, const std::string& qt) {
  return "CREATE TABLE IF NOT EXISTS " + qs + "." + qt +
         " (\n"
         "  version     bigint PRIMARY KEY,\n"
         "  name        text NOT NULL,\n"
         "  checksum    text NOT NULL,\n"
         "  applied_at  timestamptz NOT NULL DEFAULT now(),\n"
         "  duration_ms bigint NOT NULL,\n"
         "  applied_by  text NOT NULL\n"
         ")";
}

std::string ledger_insert_sql(const std::string& qs, const std::string& qt) {
  return "INSERT INTO " + qs + "." + qt + " (version, name, checksum, duration_ms, applied_by) VALUES ($1, $2, $3, $4, $5)";
}

std::string inline_parameters(std::string sql, const std::vector<std::string>& literals) {
  // Highest first, so $1 does not match the start of $10.
  for (size_t i = literals.size(); i-- > 0;) {
    const std::string mark = "$" + std::to_string(i + 1);
    for (size_t at = 0; (at = sql.find(mark, at)) != std::string::npos; at += literals[i].size())
      sql.replace(at, mark.size(), literals[i]);
  }
  return sql;
}

std::string version_label(const SqlMigrationSet& set, long long v) {
  for (const auto& m : set.migrations)
    if (m.version == v) return m.version_text;
  return std::to_string(v);
}

LedgerVerdict validate_ledger(const std::string& path_text, const SqlMigrationSet& set, const Ledger& applied) {
  LedgerVerdict v;
  long long newest = applied.empty() ? -1 : applied.rbegin()->first;
  for (const auto& m : set.migrations) {
    auto it = applied.find(m.version);
    if (it != applied.end()) {
      if (it->second.checksum != m.checksum) {
        v.error = path_text + "/" + m.path.filename().string() + " was changed after it was applied (ledger sha256 " +
                  it->second.checksum.substr(0, 12) + "…, file now " + m.checksum.substr(0, 12) + "…)";
        v.details = {"never edit an applied migration: restore the file and add a new NNNN_name.sql with the change"};
        return v;
      }
      continue;
    }
    if (m.version < newest) {
      v.error = path_text + "/" + m.path.filename().string() + " is older than the newest applied version " +
                version_label(set, newest) + " and was never applied";
      v.details = {"databases would apply files in different orders; renumber it after " + version_label(set, newest)};
      return v;
    }
  }
  for (const auto& [version, row] : applied) {
    bool found = false;
    for (const auto& m : set.migrations) found = found || m.version == version;
    if (!found)
      v.warnings.push_back("warning: version " + std::to_string(version) + " (" + row.name +
                           ") is in the ledger but its file is gone");
  }
  return v;
}

}  // namespace orch

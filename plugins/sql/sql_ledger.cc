#include "sql/sql_ledger.h"

#include <cctype>

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

namespace {
std::string table_of(const ServiceSpec& s, const QuoteFn& q) { return q(s.version_schema) + "." + q(s.version_table); }
}  // namespace

std::vector<std::string> OrchestrateLedger::create_sql(const ServiceSpec& s, const QuoteFn& q) const {
  std::vector<std::string> out;
  if (s.version_schema != s.schema) out.push_back("CREATE SCHEMA IF NOT EXISTS " + q(s.version_schema));
  out.push_back(ledger_ddl(q(s.version_schema), q(s.version_table)));
  return out;
}

std::string OrchestrateLedger::read_sql(const ServiceSpec& s, const QuoteFn& q) const {
  return "SELECT version, name, checksum FROM " + table_of(s, q) + " ORDER BY version";
}

LedgerWrite OrchestrateLedger::record(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f,
                                      const QuoteFn& q) const {
  return {"INSERT INTO " + table_of(s, q) + " (version, name, checksum, duration_ms, applied_by) VALUES ($1, $2, $3, " +
              f.duration_sql + ", $4)",
          {std::to_string(m.version), m.name, m.checksum, f.applied_by}};
}

LedgerWrite OrchestrateLedger::record_if_missing(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f,
                                                 const QuoteFn& q) const {
  LedgerWrite w = record(s, m, f, q);
  w.sql += " ON CONFLICT (version) DO NOTHING RETURNING version";
  return w;
}

LedgerWrite OrchestrateLedger::forget(const ServiceSpec& s, const SqlMigration& m, const QuoteFn& q) const {
  return {"DELETE FROM " + table_of(s, q) + " WHERE version = $1", {std::to_string(m.version)}};
}

std::string OrchestrateLedger::versions_desc_sql(const ServiceSpec& s, const QuoteFn& q) const {
  return "SELECT version FROM " + table_of(s, q) + " ORDER BY version DESC";
}

const FileLedger& orchestrate_ledger() {
  static const OrchestrateLedger ledger;
  return ledger;
}

std::string inline_parameters(std::string sql, const std::vector<std::string>& literals) {
  // One pass over the statement, so a value that itself holds "$2" (a function body in Supabase's
  // statements) is never substituted again, and $1 does not match the start of $10.
  std::string out;
  for (size_t i = 0; i < sql.size();) {
    size_t j = i + 1;
    while (sql[i] == '$' && j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
    if (j > i + 1 && j - i <= 6) {
      size_t n = std::stoul(sql.substr(i + 1, j - i - 1));
      if (n >= 1 && n <= literals.size()) {
        out += literals[n - 1];
        i = j;
        continue;
      }
    }
    out += sql[i++];
  }
  return out;
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
      if (!it->second.checksum.empty() && it->second.checksum != m.checksum) {
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

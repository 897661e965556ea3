#include "supabase/supabase_ledger.h"

#include "db/database.h"

namespace orch {

namespace {
std::string table_of(const ServiceSpec& s, const QuoteFn& q) { return q(s.version_schema) + "." + q(s.version_table); }
// The CLI's versions are text; orchestrate reads the ones that are numbers, as its file names are.
const char* const kNumeric = " WHERE version ~ '^[0-9]{1,18}$'";
}  // namespace

std::vector<std::string> SupabaseLedger::create_sql(const ServiceSpec& s, const QuoteFn& q) const {
  // The CLI's own statements: the table, then the columns later CLI versions added.
  const std::string t = table_of(s, q);
  return {"CREATE SCHEMA IF NOT EXISTS " + q(s.version_schema),
          "CREATE TABLE IF NOT EXISTS " + t + " (version text NOT NULL PRIMARY KEY)",
          "ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS statements text[]",
          "ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS name text"};
}

std::string SupabaseLedger::read_sql(const ServiceSpec& s, const QuoteFn& q) const {
  return "SELECT version, coalesce(name, ''), '' FROM " + table_of(s, q) + kNumeric + " ORDER BY version::bigint";
}

LedgerWrite SupabaseLedger::record(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f,
                                   const QuoteFn& q) const {
  return {"INSERT INTO " + table_of(s, q) + " (version, name, statements) VALUES ($1, $2, $3::text[])",
          {m.version_text, m.name, to_pg_array(f.statements)}};
}

LedgerWrite SupabaseLedger::record_if_missing(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f,
                                              const QuoteFn& q) const {
  LedgerWrite w = record(s, m, f, q);
  w.sql += " ON CONFLICT (version) DO NOTHING RETURNING version";
  return w;
}

LedgerWrite SupabaseLedger::forget(const ServiceSpec& s, const SqlMigration& m, const QuoteFn& q) const {
  return {"DELETE FROM " + table_of(s, q) + " WHERE version = $1", {m.version_text}};
}

std::string SupabaseLedger::versions_desc_sql(const ServiceSpec& s, const QuoteFn& q) const {
  return "SELECT version FROM " + table_of(s, q) + kNumeric + " ORDER BY version::bigint DESC";
}

const FileLedger& supabase_ledger() {
  static const SupabaseLedger ledger;
  return ledger;
}

}  // namespace orch

#pragma once
// Supabase CLI's migration history, supabase_migrations.schema_migrations (version text primary key,
// statements text[], name text), written as `supabase db push` / `migration up` write it (the CLI's
// pkg/migration/history.go): version and name from <timestamp>_<name>.sql, the file's statements. So
// `supabase migration list` agrees with `orchestrate up`. It keeps no checksum and no time.
#include "sql/file_ledger.h"

namespace orch {

class SupabaseLedger : public FileLedger {
 public:
  bool keeps_statements() const override { return true; }
  std::vector<std::string> create_sql(const ServiceSpec& s, const QuoteFn& q) const override;
  std::string read_sql(const ServiceSpec& s, const QuoteFn& q) const override;
  LedgerWrite record(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f, const QuoteFn& q) const override;
  LedgerWrite record_if_missing(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f,
                                const QuoteFn& q) const override;
  LedgerWrite forget(const ServiceSpec& s, const SqlMigration& m, const QuoteFn& q) const override;
  std::string versions_desc_sql(const ServiceSpec& s, const QuoteFn& q) const override;
};
const FileLedger& supabase_ledger();

}  // namespace orch

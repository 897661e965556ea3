#pragma once
// The `supabase` kind: a folder of Supabase CLI migrations (supabase/migrations/<timestamp>_<name>.sql),
// applied by the SQL applier exactly as `sql` files are (one transaction each, lock retries, the
// linter, `plan --sql`), but recorded in supabase_migrations.schema_migrations the way the Supabase CLI
// records them, without a search_path of orchestrate's: the CLI runs them as written. A
// <timestamp>_<name>.down.sql beside a file lets `down` revert it.
#include "sql/sql_kind.h"
#include "supabase/supabase_manifest.h"

namespace orch {

class SupabaseKind : public SqlKind {
 public:
  SupabaseKind();
  const ManifestKind& manifest() const override { return manifest_; }
  std::string version_rows_sql(const std::string& quoted_rel) const override;
  ProbeResult probe(const ServiceSpec& s) const override;

 private:
  SupabaseManifest manifest_;
};

}  // namespace orch

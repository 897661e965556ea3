#pragma once
// What the `supabase` kind reads from the manifest: the `sql` kind's keys; its files are recorded in
// supabase_migrations.schema_migrations, where the Supabase CLI keeps them.
#include "sql/sql_manifest.h"

namespace orch {

class SupabaseManifest final : public SqlManifest {
 public:
  SupabaseManifest() : SqlManifest("supabase") {}

 protected:
  void default_ledger(ServiceSpec& s) const override {
    default_version_table(s, "supabase_migrations", "schema_migrations");
  }
};

}  // namespace orch

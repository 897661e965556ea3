#include "supabase/supabase_kind.h"

#include "supabase/supabase_ledger.h"

namespace orch {

SupabaseKind::SupabaseKind() : SqlKind(SqlApplyRules{&supabase_ledger(), false}) {}

std::string SupabaseKind::version_rows_sql(const std::string& rel) const {
  // The CLI keeps neither when a file was applied nor its checksum.
  return "SELECT version::text, ''::text, ''::text FROM " + rel + " WHERE version ~ '^[0-9]{1,18}$'";
}

ProbeResult SupabaseKind::probe(const ServiceSpec&) const {
  ProbeResult r;
  r.ok = true;
  r.version = "built in (libpq), Supabase CLI history";
  return r;
}

}  // namespace orch

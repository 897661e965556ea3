// The registry of migration kinds: the one place that lists them.
#include "alembic/alembic_kind.h"
#include "command/command_kind.h"
#include "migration_kind.h"
#include "sql/sql_kind.h"
#include "supabase/supabase_kind.h"

namespace orch {

const std::vector<const MigrationKind*>& migration_kinds() {
  static const AlembicKind alembic;
  static const SqlKind sql;
  static const CommandKind command;
  static const SupabaseKind supabase;
  static const std::vector<const MigrationKind*> all = {&alembic, &sql, &command, &supabase};
  return all;
}

const MigrationKind& migration_kind(RunnerKind k) {
  for (const auto* kind : migration_kinds())
    if (kind->kind() == k) return *kind;
  return *migration_kinds().front();  // unreachable: every RunnerKind is registered
}

}  // namespace orch

// The registry of migration kinds: the one place that lists them, keyed by their runner name.
#include "kinds.h"

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

const MigrationKind& migration_kind(const std::string& runner) {
  for (const auto* kind : migration_kinds())
    if (kind->name() == runner) return *kind;
  return *migration_kinds().front();  // unreachable: the manifest accepts only registered runners
}

const std::vector<const ManifestKind*>& manifest_kinds() {
  static const std::vector<const ManifestKind*> all = [] {
    std::vector<const ManifestKind*> out;
    for (const auto* kind : migration_kinds()) out.push_back(&kind->manifest());
    return out;
  }();
  return all;
}

Manifest load_manifest(const std::filesystem::path& file) { return load_manifest(file, manifest_kinds()); }

Manifest parse_manifest(const std::string& bytes, const std::filesystem::path& file) {
  return parse_manifest(bytes, file, manifest_kinds());
}

}  // namespace orch

#include "command/command_manifest.h"

#include "manifest/manifest.h"

namespace orch {

void CommandManifest::read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const {
  s.command = configured_command(in, errors, {});
  if (s.command.empty())
    errors.error(s.pos, "service " + s.name + " uses the command runner but has no command",
                 "add command = [\"program\", \"arg\", ...] to " + in.service.where);
  // Alembic's table name, as it has always had: a command that wraps alembic keeps its version table
  // out of RLS's checks.
  default_version_table(s, s.schema, "alembic_version");
}

}  // namespace orch

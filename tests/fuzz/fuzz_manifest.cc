// libFuzzer target: the manifest parser (TOML, then every table's checks, each kind's keys read by the
// kind's manifest half as plugins/kinds.cc registers them) never crashes, never throws
// anything but ManifestErrors, and every error it reports says what is wrong. The example's
// services.toml and the test manifests seed it (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "alembic/alembic_manifest.h"
#include "command/command_manifest.h"
#include "manifest/manifest.h"
#include "sql/sql_manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    static const orch::AlembicManifest alembic;
    static const orch::SqlManifest sql;
    static const orch::CommandManifest command;
    static const std::vector<const orch::ManifestKind*> kinds = {&alembic, &sql, &command};
    orch::Manifest m = orch::parse_manifest(bytes, "/nonexistent-fuzz-dir/services.toml", kinds);
    for (const auto& s : m.services)
      if (s.name.empty() || s.schema.empty()) std::abort();
  } catch (const orch::ManifestErrors& e) {
    if (e.errors().empty()) std::abort();
    for (const auto& err : e.errors())
      if (err.message.empty()) std::abort();
  }
  return 0;
}

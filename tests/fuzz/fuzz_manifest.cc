// libFuzzer target: the manifest parser (TOML, then every table's checks) never crashes, never throws
// anything but ManifestErrors, and every error it reports says what is wrong. The example's
// services.toml and the test manifests seed it (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "manifest/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    orch::Manifest m = orch::parse_manifest(bytes, "/nonexistent-fuzz-dir/services.toml");
    for (const auto& s : m.services)
      if (s.name.empty() || s.schema.empty()) std::abort();
  } catch (const orch::ManifestErrors& e) {
    if (e.errors().empty()) std::abort();
    for (const auto& err : e.errors())
      if (err.message.empty()) std::abort();
  }
  return 0;
}

#include "cli/manifest_loading.h"

#include <iostream>

#include "util/secrets.h"

namespace orch {

std::optional<LoadedManifest> load_for_command(const GlobalOptions& g, bool need_database) {
  try {
    LoadedManifest l{load_manifest(g.file), {}};
    for (const auto& t : g.targets) {
      if (t != "default") {
        std::cerr << "error: unknown target \"" << t << "\": this manifest declares no [targets], only \"default\"\n";
        return std::nullopt;
      }
    }
    if (need_database) l.database_url = resolve_database(l.manifest.database);
    return l;
  } catch (const ManifestErrors& e) {
    std::cerr << secrets::scrub(e.what()) << "\n";
    size_t n = e.errors().size();
    std::cerr << n << " error" << (n == 1 ? "" : "s") << " in " << g.file << "; nothing was changed\n";
    return std::nullopt;
  }
}

}  // namespace orch

#include "cli/manifest_loading.h"

#include <iostream>

#include "util/secrets.h"
#include "util/text.h"

namespace orch {

std::optional<LoadedManifest> load_for_command(const GlobalOptions& g, bool need_database, const char* single_target) {
  try {
    LoadedManifest l{load_manifest(g.file), {}, {}, {}};
    if (need_database) {
      l.targets = resolve_targets(l.manifest, g.targets);
      if (single_target && l.targets.size() > 1) {
        std::vector<std::string> names;
        for (const auto& t : l.targets) names.push_back(t.name);
        std::cerr << "error: `" << single_target << "` acts on one target at a time, and --target selected "
                  << l.targets.size() << ": " << join(names, ", ") << "\n";
        return std::nullopt;
      }
      l.database_url = l.targets.front().url;
      l.target_name = l.targets.front().name;
    }
    return l;
  } catch (const ManifestErrors& e) {
    std::cerr << secrets::scrub(e.what()) << "\n";
    size_t n = e.errors().size();
    std::cerr << n << " error" << (n == 1 ? "" : "s") << " in " << g.file << "; nothing was changed\n";
  } catch (const TargetError& e) {
    std::cerr << "error: " << secrets::scrub(e.what()) << "\n";
  }
  return std::nullopt;
}

}  // namespace orch

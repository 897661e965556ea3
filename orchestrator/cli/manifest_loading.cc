#include "cli/manifest_loading.h"

#include <functional>
#include <iostream>

#include "cli/session_open.h"
#include "cli/status_loading.h"
#include "kinds.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

std::optional<LoadedManifest> load_with(const GlobalOptions& g, bool need_database, const char* single_target,
                                        const std::function<Manifest()>& load) {
  LoadedManifest l;
  try {
    l.manifest = load();
  } catch (const ManifestErrors& e) {
    std::cerr << secrets::scrub(e.what()) << "\n";
    size_t n = e.errors().size();
    std::cerr << n << " error" << (n == 1 ? "" : "s") << " in " << g.file << "; nothing was changed\n";
    return std::nullopt;
  }
  if (!need_database) return l;
  auto targets = resolve_targets(l.manifest, g.targets);
  if (!targets) {
    Error e = targets.error();
    e.message = secrets::scrub(e.message);
    print_error(e);
    return std::nullopt;
  }
  l.targets = std::move(*targets);
  if (single_target && l.targets.size() > 1) {
    std::vector<std::string> names;
    for (const auto& t : l.targets) names.push_back(t.name);
    std::cerr << "error: `" << single_target << "` acts on one target at a time, and --target selected "
              << l.targets.size() << ": " << join(names, ", ") << "\n";
    return std::nullopt;
  }
  l.database_url = l.targets.front().url;
  l.target_name = l.targets.front().name;
  return l;
}

}  // namespace

std::optional<LoadedManifest> load_for_command(const GlobalOptions& g, bool need_database, const char* single_target) {
  return load_with(g, need_database, single_target, [&] { return load_manifest(g.file); });
}

std::optional<LoadedManifest> load_for_status(const GlobalOptions& g, MissingDirs& missing) {
  return load_with(g, true, nullptr, [&] { return load_manifest_keeping_missing_dirs(g.file, manifest_kinds(), missing); });
}

}  // namespace orch

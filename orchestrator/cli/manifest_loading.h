#pragma once
// Shared by every command: loads and validates the manifest and resolves --target, printing positioned
// errors on failure.
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "manifest/manifest.h"
#include "targets/targets.h"

namespace orch {

struct LoadedManifest {
  Manifest manifest;
  std::vector<ResolvedTarget> targets;  // at least one when a database was needed
  std::string database_url;             // the first target's (secret)
  std::string target_name;              // the first target's name
};

// Prints errors to stderr and returns nullopt when the manifest, its database references or --target
// are wrong. `single_target` refuses several targets for commands that act on one.
std::optional<LoadedManifest> load_for_command(const GlobalOptions& g, bool need_database = true,
                                               const char* single_target = nullptr);

}  // namespace orch

#pragma once
// Shared by every command that needs the manifest and a database: loads, validates and resolves,
// printing positioned errors on failure.
#include <optional>
#include <string>

#include "cli/commands.h"
#include "manifest/manifest.h"

namespace orch {

struct LoadedManifest {
  Manifest manifest;
  std::string database_url;  // secret
};

// Prints errors to stderr and returns nullopt when the manifest or its database reference is wrong.
std::optional<LoadedManifest> load_for_command(const GlobalOptions& g, bool need_database = true);

}  // namespace orch

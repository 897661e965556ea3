#pragma once
// The manifest read with every registered kind (plugins/kinds.cc): what the commands and the tests load.
#include <filesystem>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace orch {

// Every registered kind's manifest half, in migration_kinds()'s order.
const std::vector<const ManifestKind*>& manifest_kinds();

// load_manifest / parse_manifest (manifest/manifest.h) with manifest_kinds().
Manifest load_manifest(const std::filesystem::path& file);
Manifest parse_manifest(const std::string& bytes, const std::filesystem::path& file);

}  // namespace orch

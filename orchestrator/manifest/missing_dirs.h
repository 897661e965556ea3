#pragma once
// A service whose `path` is gone is a manifest error for every command that runs or checks services
// (nothing can run it). `status` only reports: it loads the manifest with those directories set aside,
// shows that service in error with the same positioned message, and every other service as usual.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace orch {

using MissingDirs = std::map<std::string, ManifestError>;  // by service name: the error load_manifest throws

// load_manifest, except that a service directory that does not exist is put in `missing` (cleared
// first) instead of failing the load; every other error still throws ManifestErrors.
Manifest load_manifest_keeping_missing_dirs(const std::filesystem::path& file,
                                            const std::vector<const ManifestKind*>& kinds, MissingDirs& missing);

}  // namespace orch

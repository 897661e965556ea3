#pragma once
// `status`'s manifest: one service directory that is gone must not hide where every other service
// stands (manifest/missing_dirs.h). That service is shown in error, with the manifest's message.
#include <optional>
#include <vector>

#include "cli/manifest_loading.h"
#include "manifest/missing_dirs.h"
#include "report/status_report.h"

namespace orch {

// load_for_command, keeping the services whose directory is gone in `missing` instead of refusing.
std::optional<LoadedManifest> load_for_status(const GlobalOptions& g, MissingDirs& missing);

// Each of those services, on every report: state error; detail "file:line:col: message; hint".
void mark_missing_dirs(std::vector<StatusReport>& reports, const MissingDirs& missing);

}  // namespace orch

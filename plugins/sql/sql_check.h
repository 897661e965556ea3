#pragma once
// Checks of a sql runner's directory, from the files alone.
#include <filesystem>
#include <string>
#include <vector>

#include "check/finding.h"
#include "manifest/manifest.h"

namespace orch {

std::vector<Finding> check_sql_files(const std::filesystem::path& dir, const std::string& display_dir,
                                     size_t max_file_bytes = kDefaultMaxSqlFileBytes);

}  // namespace orch

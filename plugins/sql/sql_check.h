#pragma once
// Checks of a sql runner's directory, from the files alone.
#include <filesystem>
#include <string>
#include <vector>

#include "check/finding.h"

namespace orch {

std::vector<Finding> check_sql_files(const std::filesystem::path& dir, const std::string& display_dir);

}  // namespace orch

#pragma once
// Targets from a file, and target names matched by pattern: text only, no database (fuzzed on its own).
#include <string>
#include <utility>
#include <vector>

#include "util/result.h"

namespace orch {

// `pattern` may hold '*' wildcards.
bool glob_match(const std::string& pattern, const std::string& name);

// Parses a targets file's text: `name=URL` or a bare URL per line (named after its database), '#' comments.
Result<std::vector<std::pair<std::string, std::string>>> parse_targets_file(const std::string& text,
                                                                          const std::string& display);

}  // namespace orch

#pragma once
// The one parser for whole numbers that come from people: file names (NNNN_name.sql), durations, flags
// and manifest values. Checked: never throws, never overflows, says what was wrong.
#include <string>
#include <string_view>

#include "util/result.h"

namespace orch {

// Decimal digits only (no sign, no spaces), within [min, max]. The error names `what` (e.g. "version
// of 0003_x.sql") and the bounds; its exit code is 2.
Result<long long> parse_whole_number(std::string_view text, long long min, long long max, const std::string& what);

}  // namespace orch

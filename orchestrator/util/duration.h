#pragma once
// Durations as people write them in manifests and flags: "500ms", "60s", "10m", "1h30m".
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace orch {

using Millis = std::chrono::milliseconds;

// The longest duration orchestrate accepts anywhere (timeouts, lock waits, intervals): 7 days. Longer is
// a typo, and a sum past it could overflow.
constexpr Millis kMaxDuration{7LL * 24 * 3600 * 1000};

// A sequence of <number><unit> with units ms, s, m (or min), h; a bare number is seconds, as `timeout
// 60` would be. The error says what is wrong (exit 2); the caller adds where.
Result<Millis> read_duration(std::string_view text);

// The same, when only "is it a duration" matters.
std::optional<Millis> parse_duration(std::string_view text);

// "850ms", "4.2s", "3m07s", "1h02m": short, and exact enough for a report.
std::string format_duration(Millis d);

}  // namespace orch

#pragma once
// Durations as people write them in manifests and flags: "500ms", "60s", "10m", "1h30m".
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace orch {

using Millis = std::chrono::milliseconds;

// Returns nullopt for anything that is not a sequence of <number><unit> with units ms, s, m, h.
// A bare number is taken as seconds, as `timeout 60` would.
std::optional<Millis> parse_duration(std::string_view text);

// "850ms", "4.2s", "3m07s", "1h02m": short, and exact enough for a report.
std::string format_duration(Millis d);

}  // namespace orch

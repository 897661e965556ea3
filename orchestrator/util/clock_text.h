#pragma once
// Wall-clock time as orchestrate writes it, in one place: reports and history (ISO 8601 UTC), log lines
// (with milliseconds), run ids, and the plain printer's local HH:MM:SS.
#include <chrono>
#include <string>

namespace orch {

enum class Zone { Utc, Local };

// strftime of `when`; "%3N" anywhere in `format` becomes the milliseconds.
std::string format_time(std::chrono::system_clock::time_point when, const std::string& format, Zone zone);

// "2026-11-22T02:46:54Z"
std::string iso8601_now();

}  // namespace orch

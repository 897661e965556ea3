#include "util/duration.h"

#include <cctype>
#include <cstdio>

#include "util/numbers.h"
#include "util/exit_codes.h"

namespace orch {

Result<Millis> read_duration(std::string_view text) {
  const std::string shown = "\"" + std::string(text.substr(0, 40)) + "\"";
  const std::string usage = shown + " is not a duration (use e.g. 500ms, 30s, 10m, 1h30m)";
  if (text.empty()) return Error{usage, "", "", exit_code::kUsage};
  long long total_ms = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) return Error{usage, "", "", exit_code::kUsage};
    // Any one part past the maximum is out of range; so is the sum. Both checked before multiplying.
    auto n = parse_whole_number(text.substr(start, i - start), 0, kMaxDuration.count(), "a duration's number");
    if (!n) return Error{shown + " is longer than the maximum of 7 days", "", "", exit_code::kUsage};
    size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(ustart, i - ustart);
    if (unit.empty()) {
      if (any || i != text.size()) return Error{usage, "", "", exit_code::kUsage};  // "1h30" is ambiguous; refuse it
      unit = "s";
    }
    long long per;
    if (unit == "ms") per = 1;
    else if (unit == "s") per = 1000;
    else if (unit == "m" || unit == "min") per = 60 * 1000;
    else if (unit == "h") per = 3600 * 1000;
    else return Error{usage, "", "", exit_code::kUsage};
    if (*n > (kMaxDuration.count() - total_ms) / per) return Error{shown + " is longer than the maximum of 7 days", "", "", exit_code::kUsage};
    total_ms += *n * per;
    any = true;
  }
  return Millis(total_ms);
}

std::optional<Millis> parse_duration(std::string_view text) {
  auto d = read_duration(text);
  if (!d) return std::nullopt;
  return *d;
}

std::string format_duration(Millis d) {
  long long ms = d.count();
  char buf[64];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lldms", ms);
  } else if (ms < 60 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  } else if (ms < 3600 * 1000) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", ms / 60000, (ms / 1000) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", ms / 3600000, (ms / 60000) % 60);
  }
  return buf;
}

}  // namespace orch

#include "util/duration.h"

#include <cctype>
#include <cstdio>

namespace orch {

std::optional<Millis> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total_ms = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) return std::nullopt;
    long long n = std::stoll(std::string(text.substr(start, i - start)));
    std::string_view unit;
    size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    unit = text.substr(ustart, i - ustart);
    if (unit.empty()) {
      if (any || i != text.size()) return std::nullopt;  // "1h30" is ambiguous; refuse it
      unit = "s";
    }
    if (unit == "ms") total_ms += n;
    else if (unit == "s") total_ms += n * 1000;
    else if (unit == "m" || unit == "min") total_ms += n * 60 * 1000;
    else if (unit == "h") total_ms += n * 3600 * 1000;
    else return std::nullopt;
    any = true;
  }
  return Millis(total_ms);
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

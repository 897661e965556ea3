#include "util/clock_text.h"

#include <ctime>

namespace orch {

std::string format_time(std::chrono::system_clock::time_point when, const std::string& format, Zone zone) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  if (zone == Zone::Utc) gmtime_r(&t, &tm);
  else localtime_r(&t, &tm);
  std::string fmt = format;
  if (auto at = fmt.find("%3N"); at != std::string::npos) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
    char digits[8];
    std::snprintf(digits, sizeof digits, "%03d", static_cast<int>(ms));
    fmt.replace(at, 3, digits);
  }
  char buf[96];
  size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
  return std::string(buf, n);
}

std::string iso8601_now() { return format_time(std::chrono::system_clock::now(), "%Y-%m-%dT%H:%M:%SZ", Zone::Utc); }

}  // namespace orch

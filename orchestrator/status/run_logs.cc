#include "status/run_logs.h"

#include <chrono>
#include <ctime>
#include <random>

#include "util/clock_text.h"
#include "util/secrets.h"

namespace orch {

RunLogs::RunLogs(std::filesystem::path dir) : dir_(std::move(dir)) {}

static std::string timestamp() {
  return format_time(std::chrono::system_clock::now(), "%Y-%m-%dT%H:%M:%S.%3NZ", Zone::Utc);
}

void RunLogs::write(const std::string& service, const std::string& line) {
  auto& f = files_[service];
  if (!f) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    f = std::make_unique<std::ofstream>(path_for(service), std::ios::app);
  }
  if (*f) (*f) << timestamp() << ' ' << secrets::scrub(line) << '\n' << std::flush;
}

std::string new_run_id() {
  std::string stamp = format_time(std::chrono::system_clock::now(), "%Y%m%dT%H%M%SZ", Zone::Utc);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", rd() & 0xffff);
  return stamp + "-" + suffix;
}

}  // namespace orch

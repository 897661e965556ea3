#include "status/run_logs.h"

#include <chrono>
#include <ctime>
#include <random>

#include "util/secrets.h"

namespace orch {

RunLogs::RunLogs(std::filesystem::path dir) : dir_(std::move(dir)) {}

static std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
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
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", rd() & 0xffff);
  return std::string(buf) + "-" + suffix;
}

}  // namespace orch

#include "status/run_logs.h"

#include <vector>

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
    // Output can hold what a migration printed about the data: readable by the one who ran it only.
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    // Every directory from .orchestrate down to this run's is the owner's alone; nothing above it.
    std::vector<fs::path> chain;
    for (fs::path d = dir_; d.has_filename(); d = d.parent_path()) {
      chain.push_back(d);
      if (d.filename() == ".orchestrate") {
        for (const auto& c : chain) fs::permissions(c, fs::perms::owner_all, ec);
        break;
      }
    }
    f = std::make_unique<std::ofstream>(path_for(service), std::ios::app);
    fs::permissions(path_for(service), fs::perms::owner_read | fs::perms::owner_write, ec);
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

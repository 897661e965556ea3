#include "cli/run_lock_wait.h"

#include <iostream>

#include "cli/exit_codes.h"
#include "db/database.h"
#include "util/secrets.h"

namespace orch {

std::unique_ptr<RunLock> take_run_lock(const Manifest& m, const std::string& url, const std::string& run_id,
                                       const std::string& lock_wait, StatusPrinter& printer, int& exit_code) {
  auto wait = parse_duration(lock_wait);
  if (!wait) {
    std::cerr << "error: --lock-wait \"" << lock_wait << "\" is not a duration (use e.g. 30s, 5m)\n";
    exit_code = exit_code::kUsage;
    return nullptr;
  }
  std::unique_ptr<RunLock> lock;
  try {
    lock = std::make_unique<RunLock>(url, m.project_name, "orchestrate/lock " + run_id);
  } catch (const std::exception& e) {
    std::cerr << "error: cannot connect to " << secrets::redact_url(url) << ": "
              << secrets::scrub(first_error_line(e.what())) << "\n  hint: is PostgreSQL running, and is the database in "
              << m.database.pos.str() << " right?\n";
    exit_code = exit_code::kFailed;
    return nullptr;
  }
  bool got = lock->acquire(*wait, [&](const LockHolder& h) {
    printer.note("waiting up to " + format_duration(*wait) + " for the run lock of " + m.project_name + ", held by " +
                 h.describe());
  });
  if (!got) {
    auto h = lock->holder();
    std::cerr << "error: another orchestrate run holds the lock of project " << m.project_name << " on "
              << secrets::redact_url(url) << (h ? ": " + h->describe() : std::string()) << "\n"
              << "  hint: wait for it to finish (orchestrate status shows progress), or raise --lock-wait\n";
    exit_code = exit_code::kLockBusy;
    return nullptr;
  }
  return lock;
}

}  // namespace orch

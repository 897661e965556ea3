#pragma once
// Taking the run lock the way every changing command does: wait up to --lock-wait, say who holds it.
#include <memory>
#include <string>

#include "db/run_lock.h"
#include "manifest/manifest.h"
#include "status/status_printer.h"

namespace orch {

// Returns the held lock, or nullptr after printing why; `exit_code` is then 1 (no connection) or 4 (busy).
std::unique_ptr<RunLock> take_run_lock(const Manifest& m, const std::string& url, const std::string& run_id,
                                       const std::string& lock_wait, StatusPrinter& printer, int& exit_code);

}  // namespace orch

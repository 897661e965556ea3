#pragma once
// Answers "where is every service?" without changing anything, starting Python or taking the run lock,
// so it works while an `up` is running: heads come from the migration files (read in C++), current
// versions from the database in two batched queries on one connection, whatever the number of services.
#include <string>

#include "manifest/manifest.h"
#include "report/status_report.h"

namespace orch {

StatusReport inspect_status(const Manifest& m, const std::string& url, const std::string& target);

}  // namespace orch

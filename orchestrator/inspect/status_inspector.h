#pragma once
// Answers "where is every service?" without changing anything, starting Python or taking the run lock,
// so it works while an `up` is running: heads come from the migration files (read in C++), current
// versions from the database in two batched queries on one connection, whatever the number of services.
#include <string>

#include "manifest/manifest.h"
#include "targets/targets.h"
#include "report/status_report.h"

namespace orch {

class Db;

// What to read besides where every service stands: `up` needs neither (it verifies RLS itself, after).
struct InspectParts {
  bool last_runs = true;     // each service's last run, from the history
  bool rls_coverage = true;  // [rls] require verified
};

// Connects (one connection) and reads.
StatusReport inspect_status(const Manifest& m, const std::string& url, const std::string& target, InspectParts parts = {});

// On a session that is already open (RunSession's); db null means unreachable, for connect_error.
StatusReport inspect_status(const Manifest& m, Db* db, const std::string& shown_url, const std::string& target,
                            const std::string& connect_error = "", InspectParts parts = {});

// Every target's status, `jobs` at a time (each one connection, closed before the next target): a fleet
// of thousands is read with a bounded number of connections. Results keep the targets' order.
std::vector<StatusReport> inspect_targets(const Manifest& m, const std::vector<ResolvedTarget>& targets, int jobs,
                                          InspectParts parts = {});

}  // namespace orch

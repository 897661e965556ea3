#pragma once
// The steps of `down` and `baseline`, on the run's session, through each service's MigrationKind.
#include <functional>
#include <string>
#include <vector>

#include "engine/run_session.h"
#include "manifest/manifest.h"
#include "report/run_report.h"
#include "report/status_report.h"
#include "util/result.h"

namespace orch {

struct DownStep {
  int service = -1;
  std::string to;  // "-1" (one step), "base", or a version
};

// What `down SERVICE` does, in order. With cascade, the (transitive) dependents that keep versions go
// first, deepest first (reverse dependency order), each one step back, or to base with `to` = "base".
// Pure: the order is unit-tested.
std::vector<DownStep> down_steps(const Manifest& m, int target, bool cascade, const std::string& to);

using ServiceLineFn = std::function<void(const ServiceSpec&, const std::string&)>;

struct StepsOutcome {
  RunReport report;    // one entry per step run; `after` filled from the database
  StatusReport after;  // where every service stands now
  bool ok() const { return report.all_succeeded(); }
};

// Runs the steps, stops at the first failure, records the run. `before` is where services stood.
StepsOutcome run_down_steps(RunSession& session, const Manifest& m, const std::vector<DownStep>& steps,
                         const StatusReport& before, const ServiceLineFn& line);

// Checks what baseline needs before it asks: a kind that keeps versions, a version its files declare,
// and (without force) a service not yet versioned.
Status check_baseline(const Manifest& m, int service, const std::string& to, bool force, const ServiceStatus& st);

// Records `to` as applied without running anything, and records the run.
StepsOutcome run_baseline(RunSession& session, const Manifest& m, int service, const std::string& to, bool force,
                       const ServiceStatus& before, const ServiceLineFn& line);

}  // namespace orch

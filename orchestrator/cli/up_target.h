#pragma once
// One `up` on one target: lock, history, the scheduler over the selected services, the RLS phase.
// `up` runs it once per target; `rollout` runs it on many targets at once, each on its own thread.
#include <string>
#include <vector>

#include "cli/cancel_hub.h"
#include "manifest/manifest.h"
#include "report/run_report.h"
#include "status/status_printer.h"
#include "targets/targets.h"

namespace orch {

struct UpTargetOptions {
  std::vector<int> selected;  // service indexes (all, or --only plus dependencies)
  bool whole_run = true;      // false with --only: the RLS phase is then skipped deliberately
  int jobs = 4;
  bool fail_fast = false;
  std::string lock_wait = "60s";
  std::string run_id;
  std::string command = "up";  // recorded in the history
};

struct UpTargetResult {
  RunReport report;
  int exit_code = 0;   // as documented: 0, 1, 4, 130
  std::string error;   // set when nothing ran (no connection, lock busy)
};

UpTargetResult up_on_target(const Manifest& m, const ResolvedTarget& target, const UpTargetOptions& o,
                            StatusPrinter& printer, CancelHub& hub);

}  // namespace orch

#pragma once
// One `up` on one target (ninja's Builder, one level up): open the run's session (lock), read where
// every service stands on it, drive the Plan through the runners, then the RLS phase on the same
// session. `up` runs it once per target; `rollout` runs it on many targets at once, each on its own
// thread. Nothing here prints to a terminal: events go to the StatusPrinter, the outcome is returned.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/cancel_hub.h"
#include "engine/run_session.h"
#include "manifest/manifest.h"
#include "report/run_report.h"
#include "report/status_report.h"
#include "scheduler/status_printer.h"
#include "targets/targets.h"
#include "util/result.h"

namespace orch {

struct UpConfig {
  std::vector<int> selected;  // service indexes (all, or --only plus dependencies)
  bool whole_run = true;      // false with --only: the RLS phase is then skipped deliberately
  int jobs = 4;
  bool fail_fast = false;
  Millis lock_wait{60000};
  std::string run_id;
  std::string command = "up";  // recorded in the history
  bool guard_server_objects = false;  // rehearse on the target's server (RunnerContext::guard_server_objects)
  bool record_locks = false;   // rehearse: every migration reports the table locks it held (MigrationStep::locks)
};

struct UpOutcome {
  RunReport report;
  int exit_code = 0;            // as documented: 0, 1, 4, 130
  std::optional<Error> error;   // set when nothing ran (no connection, lock busy, interrupted while waiting)
};

// Whether the RLS phase runs after the services. Policies over a half-migrated database would protect
// the wrong tables, so it runs only when every service succeeded and the run was whole.
struct RlsGate {
  bool apply = false;
  RlsResult skipped;  // when not applied: state NotConfigured or Skipped, with the reason
};
RlsGate rls_gate(bool configured, const RunReport& report, bool whole_run);

// Interrupted beats lock-busy beats failed: the most specific answer over several targets.
int merge_exit_codes(int so_far, int next);

// Makes the run's printer once the snapshot is read (a dashboard shows current -> head from it).
using PrinterFactory = std::function<StatusPrinter&(const StatusReport* before)>;

class UpEngine {
 public:
  UpEngine(const Manifest& m, UpConfig cfg, CancelHub& hub) : m_(m), cfg_(std::move(cfg)), hub_(hub) {}

  // `early_note` receives what happens before the printer exists (waiting for the lock).
  UpOutcome run(const ResolvedTarget& target, const PrinterFactory& printer_for, const NoteFn& early_note);

 private:
  void run_services(RunSession& session, const ResolvedTarget& target, const StatusReport& before,
                    StatusPrinter& printer, RunReport& report);
  RlsResult rls_phase(RunSession& session, const RunReport& report, StatusPrinter& printer);

  const Manifest& m_;
  UpConfig cfg_;
  CancelHub& hub_;
};

}  // namespace orch

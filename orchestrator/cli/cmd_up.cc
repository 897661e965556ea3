// `orchestrate up`: every service on each selected target, one target after another.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/cancel_hub.h"
#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/printer_factory.h"
#include "cli/selection.h"
#include "cli/up_target.h"
#include "graph/service_graph.h"
#include "inspect/status_inspector.h"
#include "report/formats.h"
#include "report/run_report.h"
#include "status/run_logs.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

int run_up(const GlobalOptions& g, const UpOptions& o) {
  auto loaded = load_for_command(g);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  auto selected = select_services(m, o.only);
  if (!selected) return exit_code::kUsage;
  std::vector<ReportTarget> reports;
  std::string report_error;
  if (!parse_report_targets(o.reports, reports, report_error)) {
    std::cerr << "error: " << report_error << "\n";
    return exit_code::kUsage;
  }
  if (!parse_duration(o.lock_wait)) {
    std::cerr << "error: --lock-wait \"" << o.lock_wait << "\" is not a duration (use e.g. 30s, 5m)\n";
    return exit_code::kUsage;
  }
  int rc = exit_code::kOk;
  if (!confirm_protected(m, loaded->targets, o.yes, rc)) return rc;

  UpTargetOptions to;
  to.selected = *selected;
  to.whole_run = o.only.empty();
  to.jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);
  to.fail_fast = o.fail_fast;
  to.lock_wait = o.lock_wait;
  to.run_id = new_run_id();

  CancelHub hub;
  SignalWatcher watcher(hub, [](int n) {
    std::cerr << (n == 1 ? "\ninterrupted: starting nothing new, stopping running services (their transactions roll back)\n"
                         : "\nalready stopping; waiting for running services to roll back\n");
  });
  int worst = exit_code::kOk;
  bool several = loaded->targets.size() > 1;
  for (const auto& target : loaded->targets) {
    if (hub.cancelled()) break;
    std::optional<StatusReport> before;
    if (use_dashboard(g)) before = inspect_status(m, target.url, target.name);
    auto printer = make_printer(g, m, *selected, target.name, to.run_id, before ? &*before : nullptr);
    UpTargetResult r = up_on_target(m, target, to, *printer, hub);
    finish_printer(*printer);
    if (r.error.empty()) {
      if (several) std::cout << "\n== target " << target.name << "\n";
      render_table(r.report, std::cout, want_color_stdout(g));
      if (auto err = write_reports(reports_for_target(reports, target.name, several), nullptr, &r.report); !err.empty()) {
        std::cerr << "error: " << err << "\n";
        if (r.exit_code == exit_code::kOk) r.exit_code = exit_code::kFailed;
      }
    }
    // Interrupted beats lock-busy beats failed: the most specific answer for the caller.
    if (r.exit_code == exit_code::kInterrupted || worst == exit_code::kOk ||
        (r.exit_code == exit_code::kLockBusy && worst == exit_code::kFailed))
      worst = r.exit_code == exit_code::kOk ? worst : r.exit_code;
    if (r.exit_code == exit_code::kInterrupted) break;
  }
  return worst;
}

}  // namespace orch

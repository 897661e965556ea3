// `orchestrate up`: every service on each selected target, one target after another (engine/up_engine).
#include <iostream>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/printer_factory.h"
#include "cli/selection.h"
#include "cli/up_options.h"
#include "cli/session_open.h"
#include "engine/cancel_hub.h"
#include "engine/up_engine.h"
#include "report/formats.h"
#include "status/run_logs.h"
#include "util/text.h"

namespace orch {

namespace {


int run_up(const GlobalOptions& g, const UpOptions& o) {
  auto loaded = load_for_command(g);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  auto selected = select_services(m, o.only);
  if (!selected) return exit_code::kUsage;
  auto reports = parse_report_targets(o.reports);
  if (!reports) {
    print_error(reports.error());
    return exit_code::kUsage;
  }
  auto lock_wait = flag_duration("--lock-wait", o.lock_wait);
  if (!lock_wait) return exit_code::kUsage;
  if (auto asked = confirm_protected(m, loaded->targets, o.yes); !asked) return asked.error().exit_code;
  if (o.rehearse) {  // nothing changes on any target unless every rehearsal says `up` would succeed
    RehearseOptions ro;
    ro.up = o;
    ro.up.reports.clear();
    if (int rc = rehearse_targets(g, *loaded, *selected, ro); rc != exit_code::kOk) {
      std::cerr << "up --rehearse: the rehearsal did not pass (exit " << rc << "); nothing was changed\n";
      return rc;
    }
  }

  UpConfig cfg;
  cfg.selected = *selected;
  cfg.whole_run = o.only.empty();
  cfg.jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);
  cfg.fail_fast = o.fail_fast;
  cfg.lock_wait = *lock_wait;
  cfg.run_id = new_run_id();

  CancelHub hub;
  SignalWatcher watcher(hub, [](int n) {
    std::cerr << (n == 1 ? "\ninterrupted: starting nothing new, stopping running services (their transactions roll back)\n"
                         : "\nalready stopping; waiting for running services to roll back\n");
  });
  UpEngine engine(m, cfg, hub);
  int worst = exit_code::kOk;
  bool several = loaded->targets.size() > 1;
  for (const auto& target : loaded->targets) {
    if (hub.cancelled()) break;
    std::unique_ptr<StatusPrinter> printer;
    UpOutcome r = engine.run(
        target,
        [&](const StatusReport* before) -> StatusPrinter& {
          printer = make_printer(g, m, *selected, target.name, cfg.run_id, use_dashboard(g) ? before : nullptr);
          return *printer;
        },
        [](const std::string& note) { std::cerr << note << "\n"; });
    if (printer) finish_printer(*printer);
    if (g.stream && !r.error) g.stream->run_finished(r.report, r.exit_code);
    if (g.stream && r.error)
      g.stream->emit("run-finished", cfg.run_id, target.name,
                     {{"outcome", "not-started"}, {"exit_code", r.exit_code}, {"error", r.error->text()}});
    if (r.error) {
      print_error(*r.error);
    } else {
      if (several) std::cout << "\n== target " << target.name << "\n";
      render_table(r.report, std::cout, want_color_stdout(g));
      if (auto written = write_reports(reports_for_target(*reports, target.name, several), nullptr, &r.report); !written) {
        print_error(written.error());
        if (r.exit_code == exit_code::kOk) r.exit_code = exit_code::kFailed;
      }
    }
    worst = merge_exit_codes(worst, r.exit_code);
    if (r.exit_code == exit_code::kInterrupted) break;
  }
  return worst;
}

}  // namespace

CommandRun define_up(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<UpOptions>();
  c.add_option("-j,--jobs", o->jobs, "services migrated at once (default: max_parallel, else 4)")->check(CLI::Range(1, 256));
  c.add_option("--only", o->only, "these services and their dependencies (comma-separated)")->delimiter(',');
  c.add_flag("--fail-fast", o->fail_fast, "start nothing new after the first failure");
  c.add_option("--lock-wait", o->lock_wait, "how long to wait for another run's lock")->capture_default_str();
  c.add_option("--report", o->reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");
  c.add_flag("-y,--yes", o->yes, "change protected targets without asking (required for them without a terminal)");
  c.add_flag("--rehearse", o->rehearse, "rehearse on a shadow copy of every target first; start only if every rehearsal passes");
  return [o, &g = env.g] { return run_up(g, *o); };
}

}  // namespace orch

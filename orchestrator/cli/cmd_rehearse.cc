// `orchestrate rehearse`: `up` on a shadow copy of each target (engine/rehearse_engine), reported as
// `up` reports, plus the locks each migration took. Exit 0 would succeed, 3 would fail, 1 the
// rehearsal itself failed, 2 usage or manifest, 130 interrupted (docs/rehearse.md).
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/manifest_loading.h"
#include "cli/printer_factory.h"
#include "cli/rehearsal_print.h"
#include "cli/selection.h"
#include "cli/session_open.h"
#include "cli/up_options.h"
#include "engine/cancel_hub.h"
#include "engine/rehearse_engine.h"
#include "report/formats.h"
#include "status/run_logs.h"
#include "util/exit_codes.h"
#include "util/text.h"

namespace orch {

namespace {

int run_rehearse(const GlobalOptions& g, const RehearseOptions& o) {
  auto loaded = load_for_command(g);
  if (!loaded) return exit_code::kUsage;
  auto selected = select_services(loaded->manifest, o.up.only);
  if (!selected) return exit_code::kUsage;
  return rehearse_targets(g, *loaded, *selected, o);
}

}  // namespace

int rehearse_targets(const GlobalOptions& g, const LoadedManifest& loaded, const std::vector<int>& selected,
                     const RehearseOptions& o) {
  const Manifest& m = loaded.manifest;
  auto reports = parse_report_targets(o.up.reports);
  if (!reports) {
    print_error(reports.error());
    return exit_code::kUsage;
  }
  RehearseConfig cfg;
  cfg.up.selected = selected;
  cfg.up.whole_run = o.up.only.empty();
  cfg.up.jobs = o.up.jobs > 0 ? o.up.jobs : m.max_parallel.value_or(4);
  cfg.up.run_id = new_run_id();
  cfg.shadow_url = o.shadow_url;
  cfg.keep = o.keep;
  cfg.roundtrip = o.roundtrip;

  CancelHub hub;
  SignalWatcher watcher(hub, [](int) { std::cerr << "\ninterrupted: stopping the rehearsal and dropping its shadow database\n"; });
  RehearseEngine engine(m, cfg, hub);
  int worst = exit_code::kOk;
  bool several = loaded.targets.size() > 1;
  for (const auto& target : loaded.targets) {
    if (hub.cancelled()) break;
    std::unique_ptr<StatusPrinter> printer;
    RehearseOutcome r = engine.run(
        target,
        [&](const StatusReport* before) -> StatusPrinter& {
          printer = make_printer(g, m, selected, target.name, cfg.up.run_id, use_dashboard(g) ? before : nullptr);
          return *printer;
        },
        [](const std::string& note) { std::cerr << note << "\n"; });
    if (printer) finish_printer(*printer);
    if (g.stream && r.ran && !r.up.error) g.stream->run_finished(r.up.report, r.up.exit_code);
    emit_rehearsal(g, cfg.up.run_id, target.name, r);
    if (several) std::cout << "\n== target " << target.name << "\n";
    if (r.ran && !r.up.error) {
      render_table(r.up.report, std::cout, want_color_stdout(g));
      if (auto w = write_reports(reports_for_target(*reports, target.name, several), nullptr, &r.up.report); !w) {
        print_error(w.error());
        r.exit_code = std::max(r.exit_code, static_cast<int>(exit_code::kFailed));
      }
    }
    if (r.error) print_error(*r.error);
    if (r.exit_code != exit_code::kInterrupted && (r.ran || r.exit_code == exit_code::kFindings)) print_rehearsal(r, target.name, std::cout);
    worst = r.exit_code == exit_code::kInterrupted || worst == exit_code::kOk ? r.exit_code : std::max(worst, r.exit_code);
    if (r.exit_code == exit_code::kInterrupted) break;
  }
  return worst;
}

CommandRun define_rehearse(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<RehearseOptions>();
  c.add_option("-j,--jobs", o->up.jobs, "services migrated at once (default: max_parallel, else 4)")->check(CLI::Range(1, 256));
  c.add_option("--only", o->up.only, "these services and their dependencies (comma-separated)")->delimiter(',');
  c.add_option("--shadow-url", o->shadow_url,
               "create the shadow database on this server instead of the target's (overrides [rehearsal] server)");
  c.add_flag("--keep", o->keep, "keep the shadow database afterwards and print its URL");
  c.add_flag("--roundtrip", o->roundtrip,
             "then downgrade the new revisions (reverse dependency order) and upgrade again; the schema must come back");
  c.add_option("--report", o->up.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");
  return [o, &g = env.g] { return run_rehearse(g, *o); };
}

}  // namespace orch

// `orchestrate status`: where every service stands on each target, read-only and lock-free.

#include <iostream>

#include "engine/cancel_hub.h"
#include "cli/commands.h"
#include "util/exit_codes.h"
#include "cli/printer_factory.h"
#include "cli/manifest_loading.h"
#include "cli/status_loading.h"
#include "cli/selection.h"
#include "cli/session_open.h"
#include "inspect/status_inspector.h"
#include "report/formats.h"
#include "status/plain_printer.h"
#include "status/terminal_caps.h"

namespace orch {

namespace {

struct StatusOptions {
  std::string format;  // table | json | markdown; empty: table
  bool check = false;
  std::vector<std::string> reports;
  bool watch = false;
  std::string interval = "2s";
  int jobs = 16;  // targets read at once (one connection each)
};

void render(const std::vector<StatusReport>& rs, const std::string& format, bool color, bool tty) {
  if (format == "json") {
    std::cout << (rs.size() == 1 ? status_to_json(rs[0]) : statuses_to_json(rs)).dump(2) << "\n";
  } else if (format == "markdown") {
    for (const auto& r : rs) std::cout << status_to_markdown(r) << (rs.size() > 1 ? "\n" : "");
  } else if (rs.size() == 1) {
    render_status_table(rs[0], std::cout, color);
  } else {
    render_status_matrix_or_summary(rs, std::cout, color, tty ? terminal_width() : 120);
  }
}

int run_status(const GlobalOptions& g, const StatusOptions& o) {
  MissingDirs missing;  // one service's directory gone must not hide where the others stand
  auto loaded = load_for_status(g, missing);
  if (!loaded) return exit_code::kUsage;
  auto reports = parse_report_targets(o.reports);
  if (!reports) {
    print_error(reports.error());
    return exit_code::kUsage;
  }
  const std::string format = o.format.empty() ? "table" : o.format;
  bool color = want_color(1);

  if (o.watch) {
    // Redraws until Ctrl-C: the operator's view during a rollout.
    auto interval = flag_duration("--interval", o.interval);
    if (!interval) return exit_code::kUsage;
    if (interval->count() < 100) {
      std::cerr << "error: --interval \"" << o.interval << "\" is shorter than 100ms\n";
      return exit_code::kUsage;
    }
    CancelHub hub;
    SignalWatcher watcher(hub, nullptr);
    bool tty = use_dashboard(g);  // a redraw is a live view: not with NO_COLOR, TERM=dumb or --no-dashboard
    for (;;) {
      auto rs = inspect_targets(loaded->manifest, loaded->targets, o.jobs);
      mark_missing_dirs(rs, missing);
      if (tty) std::cout << "\x1b[H\x1b[2J";
      render(rs, format, color, tty);
      std::cout << "\n" << (tty ? "refreshing every " + format_duration(*interval) + "; Ctrl-C to stop\n" : "") << std::flush;
      if (!hub.sleep_for(*interval)) break;
    }
    return exit_code::kOk;
  }

  auto rs = inspect_targets(loaded->manifest, loaded->targets, o.jobs);
  mark_missing_dirs(rs, missing);
  render(rs, format, color, TerminalCaps::current().stdout_tty);
  bool several = rs.size() > 1;
  for (const auto& r : rs)
    if (auto written = write_reports(reports_for_target(*reports, r.target, several), &r, nullptr); !written) {
      print_error(written.error());
      return exit_code::kFailed;
    }
  bool unreachable = false, clean = true;
  for (const auto& r : rs) {
    clean = clean && r.clean();
    for (const auto& s : r.services) unreachable = unreachable || s.state == service_state::kUnreachable;
  }
  if (o.check) return clean ? exit_code::kOk : exit_code::kFindings;
  return unreachable ? exit_code::kFailed : exit_code::kOk;
}

}  // namespace

CommandRun define_status(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<StatusOptions>();
  c.add_option("--format", o->format, "table (default), json or markdown")->check(CLI::IsMember({"table", "json", "markdown"}));
  c.add_flag("--check", o->check, "exit 3 when anything is pending, ahead, failing or unprotected; 0 when all is up to date");
  c.add_option("-j,--jobs", o->jobs, "targets read at once, one connection each")->capture_default_str()->check(CLI::Range(1, 1024));
  c.add_flag("--watch", o->watch, "redraw until Ctrl-C (the operator's view during a rollout)");
  c.add_option("--interval", o->interval, "with --watch: how often")->capture_default_str();
  c.add_option("--report", o->reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");
  return [o, &g = env.g] { return run_status(g, *o); };
}

}  // namespace orch

// `orchestrate rls`: the RLS phase alone, for policy-only changes; `--verify` only checks coverage.
#include <iostream>

#include "cli/commands.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/session_open.h"
#include "db/db.h"
#include "db/database.h"
#include "db/db_error.h"
#include "history/history.h"
#include "report/formats.h"
#include "report/run_outcome.h"
#include "report/run_report.h"
#include "rls/rls_phase.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"

namespace orch {

namespace {

struct RlsOptions {
  bool verify_only = false;
  std::string lock_wait = "60s";
  std::vector<std::string> reports;
};

int run_rls(const GlobalOptions& g, const RlsOptions& o) {
  auto loaded = load_for_command(g, true, "rls");
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  auto reports = parse_report_targets(o.reports);
  if (!reports) {
    print_error(reports.error());
    return exit_code::kUsage;
  }
  bool any = !m.rls.empty();
  for (const auto& s : m.services) any = any || !s.rls.empty();
  if (!any) {
    std::cerr << "error: " << m.file.string() << " configures no RLS: add an [rls] table (files, require, "
              << "[[rls.policy]]) or rls = [...] to a service; see docs/rls.md\n";
    return exit_code::kUsage;
  }
  PlainPrinter printer(std::cout, 11, want_color(1));
  RunReport report;
  report.run_id = new_run_id();
  report.project = m.project_name;
  report.target = loaded->target_name;
  report.started_at = iso8601_now();
  if (o.verify_only) {
    try {
      auto c = connect_db(loaded->database_url, "orchestrate/rls");
      report.rls.state = RlsState::VerifiedOnly;
      report.rls.coverage = verify_rls(*c, m);
    } catch (const std::exception& e) {
      report.rls.state = RlsState::Failed;
      report.rls.reason = db_error(e, "cannot connect").message;
    }
  } else {
    auto session = open_session(*loaded, report.run_id, "rls", o.lock_wait, printer);
    if (!session) return session.error().exit_code;
    (*session)->record_start();
    report.rls = apply_rls((*session)->db(), m, RlsRetry{{}, [&printer](const std::string& t) { printer.note(t); },
                                                                 [&printer](const LockWait& w) { printer.rls_lock_waiting(w); }});
    report.finished_at = iso8601_now();
    (*session)->record_end(report, to_string(run_outcome(report)));
  }
  render_rls_summary(report.rls, std::cout, want_color(1));
  if (g.stream) g.stream->run_finished(report, report.rls.ok() ? exit_code::kOk : exit_code::kFailed);
  if (auto written = write_reports(*reports, nullptr, &report); !written) print_error(written.error());
  return report.rls.ok() ? exit_code::kOk : exit_code::kFailed;
}

}  // namespace

CommandRun define_rls(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<RlsOptions>();
  c.add_flag("--verify", o->verify_only, "only verify coverage; change nothing");
  c.add_option("--lock-wait", o->lock_wait, "how long to wait for another run's lock")->capture_default_str();
  c.add_option("--report", o->reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");
  return [o, &g = env.g] { return run_rls(g, *o); };
}

}  // namespace orch

// `orchestrate rls`: the RLS phase alone, for policy-only changes; `--verify` only checks coverage.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/session_open.h"
#include "db/db.h"
#include "db/database.h"
#include "history/history.h"
#include "report/formats.h"
#include "report/run_report.h"
#include "rls/rls_phase.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"

namespace orch {

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
      report.rls.reason = "cannot connect: " + first_error_line(e.what());
    }
  } else {
    auto session = open_session(*loaded, report.run_id, "rls", o.lock_wait, printer);
    if (!session) return session.error().exit_code;
    (*session)->record_start();
    report.rls = apply_rls((*session)->db(), m, RlsRetry{{}, [&printer](const std::string& t) { printer.note(t); },
                                                                 [&printer](const LockWait& w) { printer.rls_lock_waiting(w); }});
    report.finished_at = iso8601_now();
    (*session)->record_end(report, report.rls.ok() ? "succeeded" : "failed");
  }
  render_rls_summary(report.rls, std::cout, want_color(1));
  if (g.stream) g.stream->run_finished(report, report.rls.ok() ? exit_code::kOk : exit_code::kFailed);
  if (auto written = write_reports(*reports, nullptr, &report); !written) print_error(written.error());
  return report.rls.ok() ? exit_code::kOk : exit_code::kFailed;
}

}  // namespace orch

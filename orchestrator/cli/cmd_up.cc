// `orchestrate up`: lock, history, the scheduler over every service, the RLS phase, the report.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/run_lock_wait.h"
#include "db/database.h"
#include "graph/service_graph.h"
#include "history/history.h"
#include "report/formats.h"
#include "report/run_report.h"
#include "rls/rls_phase.h"
#include "runner_set.h"
#include "scheduler/builder.h"
#include "scheduler/plan.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

// --only: the named services and everything they depend on. Empty optional after printing an error.
std::optional<std::vector<int>> select_services(const Manifest& m, const std::vector<std::string>& only) {
  ServiceGraph graph(m.services);
  std::vector<int> selected;
  if (only.empty()) {
    for (size_t i = 0; i < m.services.size(); ++i) selected.push_back(static_cast<int>(i));
    return selected;
  }
  std::vector<int> roots;
  std::vector<std::string> names;
  for (const auto& s : m.services) names.push_back(s.name);
  for (const auto& n : only) {
    int i = graph.index(trim(n));
    if (i < 0) {
      std::string guess = closest_match(n, names);
      std::cerr << "error: --only names \"" << n << "\", which is not a service in " << m.file.string() << "\n"
                << "  hint: " << (guess.empty() ? "services: " + join(names, ", ") : "did you mean \"" + guess + "\"?")
                << "\n";
      return std::nullopt;
    }
    roots.push_back(i);
  }
  return graph.with_dependencies(roots);
}

// The RLS phase runs only when every service of the run succeeded: policies over a half-migrated
// database would protect the wrong tables.
RlsResult rls_phase(const Manifest& m, const std::string& url, const RunReport& report, bool whole_run,
                    StatusPrinter& printer) {
  RlsResult r;
  bool configured = !m.rls.empty() || std::any_of(m.services.begin(), m.services.end(),
                                                  [](const ServiceSpec& s) { return !s.rls.empty(); });
  if (!configured) return r;
  std::vector<std::string> not_ok;
  for (const auto& s : report.services)
    if (s.result.outcome != Outcome::Applied && s.result.outcome != Outcome::UpToDate)
      not_ok.push_back(s.name + " " + (s.result.outcome == Outcome::Skipped ? "skipped" : to_string(s.result.outcome)));
  if (report.interrupted) {
    r.state = RlsState::Skipped;
    r.reason = "the run was interrupted";
    return r;
  }
  if (!not_ok.empty()) {
    r.state = RlsState::Skipped;
    r.reason = "not every service succeeded: " + join(not_ok, ", ");
    return r;
  }
  if (!whole_run) {
    r.state = RlsState::Skipped;
    r.deliberate = true;
    r.reason = "--only ran part of the services; run `orchestrate rls` or a full `up` to apply policies";
    return r;
  }
  printer.note("RLS phase: applying policies in one transaction");
  try {
    auto c = connect(url, "orchestrate/rls");
    r = apply_rls(*c, m);
  } catch (const std::exception& e) {
    r.state = RlsState::Failed;
    r.reason = "cannot connect: " + first_error_line(e.what());
  }
  return r;
}

}  // namespace

int run_up(const GlobalOptions& g, const UpOptions& o) {
  auto loaded = load_for_command(g);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  const std::string& url = loaded->database_url;
  auto selected = select_services(m, o.only);
  if (!selected) return exit_code::kUsage;
  std::vector<ReportTarget> reports;
  std::string report_error;
  if (!parse_report_targets(o.reports, reports, report_error)) {
    std::cerr << "error: " << report_error << "\n";
    return exit_code::kUsage;
  }
  int jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);

  const std::string run_id = new_run_id();
  size_t width = 11;
  for (int i : *selected) width = std::max(width, m.services[i].name.size());
  PlainPrinter printer(std::cout, width, want_color(1));

  int rc = exit_code::kOk;
  auto lock = take_run_lock(m, url, run_id, o.lock_wait, printer, rc);
  if (!lock) return rc;

  // History is worth having, not worth failing a migration for.
  bool history = true;
  try {
    ensure_history_schema(lock->connection());
    record_run_start(lock->connection(), current_run_record(run_id, m.project_name, "default", "up", m.checksum));
  } catch (const std::exception& e) {
    history = false;
    printer.note("warning: run history not recorded: " + first_error_line(e.what()));
  }

  boost::asio::io_context io;
  boost::asio::thread_pool pool(static_cast<size_t>(std::max(2, jobs)));
  RunnerSet runners(RunnerContext{io, pool});
  PlanOptions popts;
  popts.max_parallel = jobs;
  popts.fail_fast = o.fail_fast;
  Plan plan(m.services, *selected, popts);
  SteadyClock clock;
  Builder builder(io, m.services, plan, runners, printer, clock);
  RunLogs logs(m.dir / ".orchestrate" / "logs" / run_id);
  builder.set_logs(&logs);
  builder.set_job_template(url, run_id);

  RunHeader header;
  header.run_id = run_id;
  header.project = m.project_name;
  header.target = "default";
  header.database = secrets::redact_url(url);
  header.services = static_cast<int>(selected->size());
  header.max_parallel = jobs;
  printer.run_started(header);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& e, int) {
    if (e) return;
    if (builder.interrupted()) printer.note("already stopping; waiting for running services to roll back");
    builder.interrupt();
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  RunReport report;
  report.run_id = run_id;
  report.project = m.project_name;
  report.target = "default";
  report.started_at = iso8601_now();
  auto t0 = clock.now();
  builder.start([&] { signals.cancel(); });
  io.run();
  pool.join();

  report.interrupted = builder.interrupted();
  report.log_dir = logs.dir().string();
  for (int i : *selected) {
    const ServiceSpec& s = m.services[i];
    report.services.push_back({s.name, to_string(s.runner), s.schema, builder.result(i)});
  }
  report.rls = rls_phase(m, url, report, o.only.empty(), printer);
  report.duration = std::chrono::duration_cast<Millis>(clock.now() - t0);
  report.finished_at = iso8601_now();

  std::string outcome = report.interrupted ? "interrupted" : (report.ok() ? "succeeded" : "failed");
  if (history) {
    try {
      record_run_end(lock->connection(), report, outcome);
    } catch (const std::exception& e) {
      printer.note("warning: run history not recorded: " + first_error_line(e.what()));
    }
  }
  lock->release();

  render_table(report, std::cout, want_color(1));
  if (auto err = write_reports(reports, nullptr, &report); !err.empty()) {
    std::cerr << "error: " << err << "\n";
    if (report.ok()) return exit_code::kFailed;
  }
  if (report.interrupted) return exit_code::kInterrupted;
  return report.ok() ? exit_code::kOk : exit_code::kFailed;
}

}  // namespace orch

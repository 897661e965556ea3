// `orchestrate up`: lock, then the scheduler, then the report.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "db/database.h"
#include "db/run_lock.h"
#include "graph/service_graph.h"
#include "report/run_report.h"
#include "runner_set.h"
#include "scheduler/builder.h"
#include "scheduler/plan.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

int run_up(const GlobalOptions& g, const UpOptions& o) {
  auto loaded = load_for_command(g);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  const std::string& url = loaded->database_url;

  // --only: the named services and everything they depend on.
  ServiceGraph graph(m.services);
  std::vector<int> selected;
  if (o.only.empty()) {
    for (size_t i = 0; i < m.services.size(); ++i) selected.push_back(static_cast<int>(i));
  } else {
    std::vector<int> roots;
    std::vector<std::string> names;
    for (const auto& s : m.services) names.push_back(s.name);
    for (const auto& n : o.only) {
      int i = graph.index(trim(n));
      if (i < 0) {
        std::string guess = closest_match(n, names);
        std::cerr << "error: --only names \"" << n << "\", which is not a service in " << m.file.string() << "\n"
                  << "  hint: " << (guess.empty() ? "services: " + join(names, ", ") : "did you mean \"" + guess + "\"?")
                  << "\n";
        return exit_code::kUsage;
      }
      roots.push_back(i);
    }
    selected = graph.with_dependencies(roots);
  }
  auto wait = parse_duration(o.lock_wait);
  if (!wait) {
    std::cerr << "error: --lock-wait \"" << o.lock_wait << "\" is not a duration (use e.g. 30s, 5m)\n";
    return exit_code::kUsage;
  }
  int jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);

  const std::string run_id = new_run_id();
  size_t width = 11;
  for (int i : selected) width = std::max(width, m.services[i].name.size());
  PlainPrinter printer(std::cout, width, want_color(1));

  // One run at a time per project and database.
  std::unique_ptr<RunLock> lock;
  try {
    lock = std::make_unique<RunLock>(url, m.project_name, "orchestrate/lock " + run_id);
  } catch (const std::exception& e) {
    std::cerr << "error: cannot connect to " << secrets::redact_url(url) << ": " << secrets::scrub(first_error_line(e.what()))
              << "\n  hint: is PostgreSQL running and is the URL in " << m.database.pos.str() << " right?\n";
    return exit_code::kFailed;
  }
  bool got = lock->acquire(*wait, [&](const LockHolder& h) {
    printer.note("waiting up to " + format_duration(*wait) + " for the run lock of " + m.project_name + ", held by " +
                 h.describe());
  });
  if (!got) {
    auto h = lock->holder();
    std::cerr << "error: another orchestrate run holds the lock of project " << m.project_name << " on "
              << secrets::redact_url(url) << (h ? ": " + h->describe() : std::string()) << "\n"
              << "  hint: wait for it to finish (orchestrate status shows progress), or raise --lock-wait\n";
    return exit_code::kLockBusy;
  }

  boost::asio::io_context io;
  boost::asio::thread_pool pool(static_cast<size_t>(std::max(2, jobs)));
  RunnerSet runners(RunnerContext{io, pool});
  PlanOptions popts;
  popts.max_parallel = jobs;
  popts.fail_fast = o.fail_fast;
  Plan plan(m.services, selected, popts);
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
  header.services = static_cast<int>(selected.size());
  header.max_parallel = jobs;
  printer.run_started(header);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& e, int sig) {
    if (e) return;
    if (builder.interrupted()) printer.note("already stopping; waiting for running services to roll back");
    builder.interrupt();
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  auto t0 = clock.now();
  builder.start([&] { signals.cancel(); });
  io.run();
  pool.join();
  lock->release();

  RunReport report;
  report.run_id = run_id;
  report.project = m.project_name;
  report.target = "default";
  report.duration = std::chrono::duration_cast<Millis>(clock.now() - t0);
  report.interrupted = builder.interrupted();
  report.log_dir = logs.dir().string();
  for (int i : selected) {
    const ServiceSpec& s = m.services[i];
    report.services.push_back({s.name, to_string(s.runner), s.schema, builder.result(i)});
  }
  render_table(report, std::cout, want_color(1));
  if (report.interrupted) return exit_code::kInterrupted;
  return report.all_succeeded() ? exit_code::kOk : exit_code::kFailed;
}

}  // namespace orch

#include "cli/up_target.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/run_lock_wait.h"
#include "db/database.h"
#include "history/history.h"
#include "report/formats.h"
#include "rls/rls_phase.h"
#include "runner_set.h"
#include "scheduler/builder.h"
#include "scheduler/plan.h"
#include "status/run_logs.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

// The RLS phase runs only when every service of the run succeeded: policies over a half-migrated
// database would protect the wrong tables.
RlsResult rls_phase(const Manifest& m, const std::string& url, const RunReport& report, bool whole_run,
                    StatusPrinter& printer, const std::optional<RlsFingerprint>& last) {
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
  try {
    auto c = connect(url, "orchestrate/rls");
    // Re-applying takes a lock on every covered table: skip it when neither what would be applied nor
    // the policies in the database changed since the last application. Coverage is verified anyway.
    if (last) {
      pqxx::read_transaction tx(*c, "rls-fingerprint");
      std::string inputs = rls_inputs_sha256(tx, m), state = rls_state_sha256(tx, m);
      tx.commit();
      if (inputs == last->inputs_sha256 && state == last->state_sha256) {
        r.state = RlsState::Unchanged;
        r.unchanged_since = last->run_id;
        r.inputs_sha256 = inputs;
        r.state_sha256 = state;
        r.coverage = verify_rls(*c, m);
        return r;
      }
    }
    printer.note("RLS phase: applying policies in one transaction");
    r = apply_rls(*c, m);
  } catch (const std::exception& e) {
    r.state = RlsState::Failed;
    r.reason = "cannot connect: " + first_error_line(e.what());
  }
  return r;
}

}  // namespace

UpTargetResult up_on_target(const Manifest& m, const ResolvedTarget& target, const UpTargetOptions& o,
                            StatusPrinter& printer, CancelHub& hub) {
  UpTargetResult res;
  RunReport& report = res.report;
  report.run_id = o.run_id;
  report.project = m.project_name;
  report.target = target.name;
  report.started_at = iso8601_now();
  const std::string& url = target.url;

  int rc = exit_code::kOk;
  std::ostringstream lock_errors;
  auto lock = take_run_lock(m, url, o.run_id, o.lock_wait, printer, rc);
  if (!lock) {
    res.exit_code = rc;
    res.error = rc == exit_code::kLockBusy ? "run lock held by another run" : "cannot connect";
    report.finished_at = iso8601_now();
    return res;
  }
  bool history = true;
  try {
    ensure_history_schema(lock->connection());
    record_run_start(lock->connection(), current_run_record(o.run_id, m.project_name, target.name, o.command, m.checksum));
  } catch (const std::exception& e) {
    history = false;
    printer.note("warning: run history not recorded: " + first_error_line(e.what()));
  }

  boost::asio::io_context io;
  boost::asio::thread_pool pool(static_cast<size_t>(std::max(2, o.jobs)));
  RunnerSet runners(RunnerContext{io, pool, o.jobs});
  std::vector<const ServiceSpec*> expected;
  for (int i : o.selected) expected.push_back(&m.services[i]);
  runners.expect(expected);
  PlanOptions popts;
  popts.max_parallel = o.jobs;
  popts.fail_fast = o.fail_fast;
  Plan plan(m.services, o.selected, popts);
  SteadyClock clock;
  Builder builder(io, m.services, plan, runners, printer, clock);
  std::string log_dir_name = target.name == "default" ? o.run_id : o.run_id + "/" + target.name;
  RunLogs logs(m.dir / ".orchestrate" / "logs" / log_dir_name);
  builder.set_logs(&logs);
  builder.set_job_template(url, o.run_id);

  RunHeader header;
  header.run_id = o.run_id;
  header.project = m.project_name;
  header.target = target.name;
  header.database = secrets::redact_url(url);
  header.services = static_cast<int>(o.selected.size());
  header.max_parallel = o.jobs;
  printer.run_started(header);

  auto t0 = clock.now();
  int handle = hub.add([&io, &builder] { boost::asio::post(io, [&builder] { builder.interrupt(); }); });
  // Runners park work on the pool; the guard keeps io.run() waiting for it until the Builder is done.
  auto guard = boost::asio::make_work_guard(io);
  builder.start([&guard, &runners] {
    runners.shutdown();
    guard.reset();
  });
  io.run();
  pool.join();
  hub.remove(handle);

  report.interrupted = builder.interrupted();
  report.log_dir = logs.dir().string();
  for (int i : o.selected) {
    const ServiceSpec& s = m.services[i];
    report.services.push_back({s.name, to_string(s.runner), s.schema, builder.result(i)});
  }
  std::optional<RlsFingerprint> last;
  if (history) {
    try {
      last = last_rls_fingerprint(lock->connection(), m.project_name, target.name);
    } catch (const std::exception&) {
    }
  }
  report.rls = rls_phase(m, url, report, o.whole_run, printer, last);
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
  res.exit_code = report.interrupted ? exit_code::kInterrupted : (report.ok() ? exit_code::kOk : exit_code::kFailed);
  return res;
}

}  // namespace orch

#include "engine/up_engine.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>

#include "db/database.h"
#include "db/db.h"
#include "engine/lint_engine.h"
#include "engine/up_refusals.h"
#include "history/progress_writer.h"
#include "report/formats.h"
#include "rls/rls_phase.h"
#include "runner_set.h"
#include "scheduler/builder.h"
#include "scheduler/plan.h"
#include "status/run_logs.h"
#include "util/secrets.h"
#include "util/text.h"
#include "util/exit_codes.h"
#include "report/run_outcome.h"
#include "db/db_error.h"

namespace orch {

namespace {
bool rls_configured(const Manifest& m) {
  return !m.rls.empty() ||
         std::any_of(m.services.begin(), m.services.end(), [](const ServiceSpec& s) { return !s.rls.empty(); });
}
ProgressTarget progress_target(RunSession& session, const StatusReport& before, const Manifest& m,
                               const UpConfig& cfg) {
  ProgressTarget t{&session.db(), &session.db_mutex(), session.recorded_run_id(), {}, &before};
  for (int i : cfg.selected) t.planned.push_back(&m.services[i]);
  return t;
}
}  // namespace

RlsGate rls_gate(bool configured, const RunReport& report, bool whole_run) {
  RlsGate g;
  if (!configured) return g;  // skipped.state stays NotConfigured
  g.skipped.state = RlsState::Skipped;
  std::vector<std::string> not_ok;
  for (const auto& s : report.services)
    if (s.result.outcome != Outcome::Applied && s.result.outcome != Outcome::UpToDate)
      not_ok.push_back(s.name + " " + (s.result.outcome == Outcome::Skipped ? "skipped" : to_string(s.result.outcome)));
  if (report.interrupted) {
    g.skipped.reason = "the run was interrupted";
  } else if (!not_ok.empty()) {
    g.skipped.reason = "not every service succeeded: " + join(not_ok, ", ");
  } else if (!whole_run) {
    g.skipped.deliberate = true;
    g.skipped.reason = "--only ran part of the services; run `orchestrate rls` or a full `up` to apply policies";
  } else {
    g.apply = true;
    g.skipped = RlsResult{};
  }
  return g;
}

int merge_exit_codes(int so_far, int next) {
  if (next == exit_code::kInterrupted || so_far == exit_code::kOk || (next == exit_code::kLockBusy && so_far == exit_code::kFailed))
    return next == exit_code::kOk ? so_far : next;
  return so_far;
}

UpOutcome UpEngine::run(const ResolvedTarget& target, const PrinterFactory& printer_for, const NoteFn& early_note) {
  UpOutcome out;
  RunReport& report = out.report;
  report.run_id = cfg_.run_id;
  report.project = m_.project_name;
  report.target = target.name;
  report.started_at = iso8601_now();

  StatusPrinter* printer = nullptr;
  NoteFn note = [&](const std::string& text) { printer ? printer->note(text) : early_note(text); };
  SessionSpec spec{target.url, m_.project_name, target.name, cfg_.run_id, cfg_.command, m_.checksum, cfg_.lock_wait};
  auto opened = RunSession::open(spec, note, hub_.waiter());
  if (!opened) {
    out.error = opened.error();
    out.exit_code = opened.error().exit_code;
    report.finished_at = iso8601_now();
    return out;
  }
  RunSession& session = **opened;
  // The prechecks of every service in a few batched queries; RLS is verified after the services.
  const StatusReport before = session.inspect(m_, false);
  if (auto refused = refuse_doomed_services(before, cfg_.selected); !refused) {  // it would fail: say so first
    out.error = refused.error();
    out.exit_code = refused.error().exit_code;
    report.finished_at = iso8601_now();
    return out;
  }
  for (int i : cfg_.selected)
    if (static_cast<size_t>(i) < before.services.size()) migration_kind(m_.services[i].runner).prepare(m_.services[i], before.services[i]);
  auto linted = hub_.cancelled() ? Status(ok()) : lint_gate(m_, before, session.db(), target.url, cfg_.selected, note);
  if (hub_.cancelled()) {  // Ctrl-C while the files were read and parsed (a large seed file): nothing started
    out.error = Error{"interrupted while reading the migrations; nothing was changed", "", "", exit_code::kInterrupted};
    out.exit_code = exit_code::kInterrupted;
    report.finished_at = iso8601_now();
    return out;
  }
  if (!linted) {
    out.error = linted.error();
    out.exit_code = linted.error().exit_code;
    report.finished_at = iso8601_now();
    return out;
  }
  session.record_start();
  report.run_id = session.recorded_run_id();  // another id when it takes over a dead worker's run
  printer = &printer_for(&before);

  auto t0 = std::chrono::steady_clock::now();
  {
    std::optional<ProgressWriter> progress;  // the run's progress in the database as it happens
    if (session.recording()) progress.emplace(progress_target(session, before, m_, cfg_), *printer);
    run_services(session, target, before, progress ? static_cast<StatusPrinter&>(*progress) : *printer, report);
    if (progress) progress->stop();
  }
  {
    // Ctrl-C while a policy statement waits for a table lock: cancel it on the server (its
    // transaction rolls back) and end as interrupted, not as a failed phase 30 s later.
    int handle = hub_.add([&session] { session.db().cancel(); });
    report.rls = rls_phase(session, report, *printer);
    hub_.remove(handle);
    if (hub_.cancelled() && report.rls.state == RlsState::Failed) {
      report.interrupted = true;
      report.rls.reason = "interrupted; the RLS phase was rolled back and no policy changed";
    }
  }
  report.duration = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - t0);
  report.finished_at = iso8601_now();
  const RunOutcome outcome = run_outcome(report);
  session.record_end(report, to_string(outcome));
  out.exit_code = outcome == RunOutcome::Interrupted ? exit_code::kInterrupted
                  : outcome == RunOutcome::Succeeded ? exit_code::kOk
                                                     : exit_code::kFailed;
  return out;
}

void UpEngine::run_services(RunSession& session, const ResolvedTarget& target, const StatusReport& before,
                            StatusPrinter& printer, RunReport& report) {
  boost::asio::io_context io;
  boost::asio::thread_pool pool(static_cast<size_t>(std::max(2, cfg_.jobs)));
  RunnerSet runners(RunnerContext{io, pool, cfg_.jobs, cfg_.record_locks, cfg_.guard_server_objects});
  std::vector<const ServiceSpec*> expected;
  for (int i : cfg_.selected) expected.push_back(&m_.services[i]);
  runners.expect(expected);
  PlanOptions popts;
  popts.max_parallel = cfg_.jobs;
  popts.fail_fast = cfg_.fail_fast;
  Plan plan = m_.graph ? Plan(m_.services, *m_.graph, cfg_.selected, popts) : Plan(m_.services, cfg_.selected, popts);
  SteadyClock clock;
  Builder builder(io, m_.services, plan, runners, printer, clock);
  std::string log_dir_name = target.name == "default" ? cfg_.run_id : cfg_.run_id + "/" + target.name;
  RunLogs logs(m_.dir / ".orchestrate" / "logs" / log_dir_name);
  builder.set_logs(&logs);
  std::vector<const ServiceStatus*> stands;
  for (const auto& st : before.services) stands.push_back(&st);
  builder.set_job_template(target.url, cfg_.run_id, std::move(stands));
  // Before anything that will change the database starts: is the lock still ours? A service the
  // snapshot shows up to date changes nothing, so a no-op run asks nothing more.
  builder.set_start_gate([&](const std::vector<int>& ready) -> Status {
    bool changes = std::any_of(ready.begin(), ready.end(), [&](int i) {
      return before.services[i].state != service_state::kUpToDate;
    });
    return changes ? session.check_lock() : ok();
  });

  RunHeader header{cfg_.run_id, m_.project_name, target.name, secrets::redact_url(target.url),
                   static_cast<int>(cfg_.selected.size()), cfg_.jobs, cfg_.command};
  printer.run_started(header);
  int handle = hub_.add([&io, &builder] { boost::asio::post(io, [&builder] { builder.interrupt(); }); });
  // Runners park work on the pool; the guard keeps io.run() waiting for it until the Builder is done.
  auto guard = boost::asio::make_work_guard(io);
  builder.start([&guard, &runners] {
    runners.shutdown();
    guard.reset();
  });
  io.run();
  pool.join();
  hub_.remove(handle);

  report.interrupted = builder.interrupted();
  report.log_dir = logs.dir().string();
  for (int i : cfg_.selected) {
    const ServiceSpec& s = m_.services[i];
    report.services.push_back({s.name, s.runner, s.schema, builder.result(i)});
  }
}

RlsResult UpEngine::rls_phase(RunSession& session, const RunReport& report, StatusPrinter& printer) {
  RlsGate gate = rls_gate(rls_configured(m_), report, cfg_.whole_run);
  if (!gate.apply) return gate.skipped;
  Db& db = session.db();
  RlsResult r;
  if (auto held = session.check_lock(); !held) {
    r.state = RlsState::Failed;
    r.reason = held.error().message;
    return r;
  }
  try {
    // Re-applying takes a lock on every covered table: skip it when neither what would be applied nor
    // the policies in the database changed since the last application. Coverage is verified anyway.
    if (auto last = session.last_rls_fingerprint()) {
      auto tx = db.begin(TxKind::ReadOnly);
      std::string inputs = rls_inputs_sha256(*tx, m_), state = rls_state_sha256(*tx, m_);
      tx->commit();
      if (inputs == last->inputs_sha256 && state == last->state_sha256) {
        r.state = RlsState::Unchanged;
        r.unchanged_since = last->run_id;
        r.inputs_sha256 = inputs;
        r.state_sha256 = state;
        r.coverage = verify_rls(db, m_);
        return r;
      }
    }
    printer.note("RLS phase: applying policies in one transaction");
    Waiter waiter = hub_.waiter();
    return apply_rls(db, m_,
                     RlsRetry{waiter.sleep, [&printer](const std::string& text) { printer.note(text); },
                              [&printer](const LockWait& w) { printer.rls_lock_waiting(w); }});
  } catch (const std::exception& e) {
    r.state = RlsState::Failed;
    r.reason = db_error(e, "the RLS phase could not read the database").message;
  }
  return r;
}

}  // namespace orch

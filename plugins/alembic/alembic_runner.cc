#include "alembic/alembic_runner.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "alembic/interpreter.h"
#include "alembic/revision_reader.h"
#include "alembic/upgrade_target.h"
#include "db/database.h"
#include "db/db.h"
#include "db/held_locks.h"
#include "db/lock_blocker.h"
#include "report/status_report.h"
#include "process/failure_summary.h"
#include "process/tool_run.h"
#include "util/lock_retry.h"
#include "util/secrets.h"
#include "util/sql_split.h"
#include "util/text.h"

namespace orch {

namespace {

Precheck precheck(const RunJob& job) {
  const ServiceSpec& s = *job.service;
  Precheck p;
  if (auto set = read_revision_set(s.path / s.config, s.path)) {
    if (set->complete()) {
      p.heads = set->heads();
      p.heads_known = true;
    } else {
      for (const auto& f : set->files())
        if (!f.error.empty()) {
          p.why_spawn = "cannot read " + f.path.filename().string() + " (" + f.error + "); asking Alembic";
          break;
        }
    }
  } else {
    p.why_spawn = "cannot locate the revision files from " + s.config + "; asking Alembic";
  }
  try {
    auto c = connect_db(job.database_url, "orchestrate/" + s.name);
    p.current = read_version_column(*c, s.version_schema, s.version_table, "version_num");
  } catch (const std::exception& e) {
    p.db_error = first_error_line(e.what());
  }
  return p;
}

std::optional<std::vector<std::string>> read_current(const RunJob& job) {
  try {
    auto c = connect_db(job.database_url, "orchestrate/" + job.service->name);
    return read_version_column(*c, job.service->version_schema, job.service->version_table, "version_num");
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// What `up` asks of Alembic, after the service's command: the service's target (heads for a tree kept
// with labelled heads, head otherwise, or what `target` says), resolved by upgrade_target.
std::vector<std::string> upgrade_args(const ServiceSpec& s) { return {"-c", s.config, "upgrade", upgrade_target(s)}; }

Precheck precheck_from(const ServiceStatus& st) {
  Precheck p;
  if (st.state != service_state::kNotInitialised && st.state != service_state::kTablesWithoutVersion) p.current = st.current;
  p.heads = st.heads;
  // The session's snapshot read every revision file unless it reported an error.
  p.heads_known = st.state != service_state::kError && st.state != service_state::kUnreachable;
  if (!p.heads_known) p.why_spawn = st.detail + "; asking Alembic";
  return p;
}

// The schemas a statement names (its relations), from PostgreSQL's own parser: a revision may alter a
// table outside the service's schema, and that is where the blocker holds its lock.
void collect_schemas(const nlohmann::json& j, std::set<std::string>& out) {
  if (j.is_object()) {
    // A RangeVar, wrapped ({"RangeVar": {...}}) or as a typed field ("relation": {...}).
    if (j.contains("relname") && j.contains("schemaname") && j["schemaname"].is_string()) out.insert(j["schemaname"].get<std::string>());
    for (auto it = j.begin(); it != j.end(); ++it) collect_schemas(*it, out);
  } else if (j.is_array()) {
    for (const auto& v : j) collect_schemas(v, out);
  }
}

std::vector<std::string> schemas_of(const ServiceSpec& s, const std::string& statement) {
  std::set<std::string> found = {s.schema};
  if (!statement.empty())
    if (auto trees = parse_sql_trees(statement))
      for (const auto& t : *trees) collect_schemas(t.tree, found);
  return {found.begin(), found.end()};
}

// Who holds a lock on a table of those schemas now (pid 0 when nobody does, or on any error).
Blocker blocker_of(const RunJob& job, const std::string& statement) {
  try {
    auto db = connect_db(job.database_url, "orchestrate/blocker");
    return find_blocker(*db, schemas_of(*job.service, statement));
  } catch (const std::exception&) {
    return {};
  }
}

std::string relative_to(const std::string& file, const ServiceSpec& s) {
  if (file.empty()) return file;
  std::filesystem::path p = file;
  auto rel = p.lexically_relative(s.path);
  return rel.empty() || starts_with(rel.string(), "..") ? file : rel.string();
}

std::string ms_text(const std::optional<long>& ms) { return ms ? format_duration(Millis(*ms)) : "?"; }

}  // namespace

// The Alembic up-to-date decision: every revision file was read, the version table exists, and it
// holds exactly the heads. Anything else (unreadable files, no table, ahead) lets Alembic decide.
bool alembic_at_head(const Precheck& p) {
  return p.heads_known && p.current && !p.heads.empty() && same_set(*p.current, p.heads);
}

void describe_driver_failure(const ServiceSpec& s, const UpgradeAttempt& a, RunResult& r) {
  const DriverFailure& f = *a.failure;
  std::string where = f.file.empty() ? "" : s.path_text + "/" + f.file + (f.line ? ":" + std::to_string(f.line) : "") + ": ";
  std::string what = f.exception + (f.message.empty() ? "" : ": " + f.message);
  r.error = secrets::scrub(where + (f.revision.empty() ? "" : "revision " + f.revision + ": ") + what);
  r.server_objects = f.exception == "ServerObjectsChanged";  // the driver's own exception, by its class
  std::vector<std::string> d;
  if (!f.statement.empty()) {
    std::string stmt = trim(split(f.statement, '\n').front());
    if (stmt.size() > 160) stmt = stmt.substr(0, 160) + " …";
    d.push_back("statement: " + stmt + (f.statement_position ? " (at character " + std::to_string(f.statement_position) + ")" : ""));
  }
  for (const auto& fr : f.frames) d.push_back(fr);
  std::vector<std::string> earlier;
  for (const auto& rev : f.ran)
    if (rev != f.revision) earlier.push_back(rev);
  if (!f.revision.empty()) {
    if (r.after == r.before) {
      d.push_back(earlier.empty() ? "its transaction was rolled back; the version table is unchanged"
                                  : "rolled back with it: " + join(earlier, ", ") +
                                        " (one transaction: nothing of this upgrade stayed applied)");
    } else {
      d.push_back("stayed applied (transaction_per_migration): " + join(earlier, ", ") + "; " + f.revision +
                  " was rolled back; the database is at " + join(r.after, "+"));
    }
  }
  if (!f.missing_module.empty())
    d.push_back("hint: " + (f.python.empty() ? std::string("this interpreter") : f.python) + " cannot import '" +
                f.missing_module + "', which the project imports: set python = \"venv\" | \"poetry\" | PATH for " + s.name +
                " (the interpreter with the project's dependencies), or env = { PYTHONPATH = \"…\" } for the project's own "
                "package");
  if (!f.hint.empty()) d.push_back("hint: " + f.hint);
  for (auto& line : d) line = secrets::scrub(line);
  r.details = std::move(d);
}

struct AlembicRunner::Attempt {
  RunJob job;
  RunResult r;
  std::vector<std::string> heads;  // what `upgrade` reaches, when the files say
  std::string cmd_text;
  int number = 1;
  LockRetry retry{LockRetryPolicy{}};
  UpgradeAttempt now;
  OutputTail tail{40};
  LineFn on_line;
  DoneFn on_done;
  std::shared_ptr<DriverJob> running;
};

void AlembicRunner::start(const RunJob& job, LineFn on_line, DoneFn on_done) {
  if (job.before) {
    // The run's session already read the files and the version table.
    boost::asio::post(ctx_.io, [this, job, on_line, on_done] { start_with(job, precheck_from(*job.before), on_line, on_done); });
    return;
  }
  boost::asio::post(ctx_.pool, [this, job, on_line, on_done] {
    Precheck p = precheck(job);
    boost::asio::post(ctx_.io, [this, job, on_line, on_done, p] { start_with(job, p, on_line, on_done); });
  });
}

void AlembicRunner::start_with(const RunJob& job, const Precheck& p, LineFn on_line, DoneFn on_done) {
  RunResult r;
  if (interrupted_) {
    r.outcome = Outcome::Interrupted;
    on_done(r);
    return;
  }
  if (!p.db_error.empty()) {
    r.outcome = Outcome::Failed;
    r.error = "cannot read " + job.service->version_schema + "." + job.service->version_table + ": " + p.db_error;
    on_done(r);
    return;
  }
  r.before = p.current.value_or(std::vector<std::string>{});
  if (alembic_at_head(p)) {
    on_line("at head " + join(p.heads, "+") + " (read from the revision files); Alembic not started");
    r.outcome = Outcome::UpToDate;
    r.after = r.before;
    on_done(r);
    return;
  }
  if (!p.why_spawn.empty()) on_line(p.why_spawn);
  std::vector<std::string> heads = p.heads_known ? p.heads : std::vector<std::string>{};
  if (driver_python_of(job.service->command).empty()) {
    run_plain_command(job, std::move(r), std::move(heads), std::move(on_line), std::move(on_done));
    return;
  }
  auto a = std::make_shared<Attempt>();
  a->job = job;
  a->r = std::move(r);
  a->heads = std::move(heads);
  std::vector<std::string> argv = job.service->command;
  for (const auto& x : upgrade_args(*job.service)) argv.push_back(x);
  a->cmd_text = join(argv, " ");
  const LockPolicy& locks = job.service->locks;
  a->retry = LockRetry(LockRetryPolicy::of(locks.lock_timeout, locks.lock_retries));
  a->on_line = std::move(on_line);
  a->on_done = std::move(on_done);
  a->on_line("$ " + a->cmd_text + (driver_forks() ? "   (forked from a warm interpreter)" : ""));
  run_attempt(std::move(a));
}

void AlembicRunner::run_attempt(std::shared_ptr<Attempt> a) {
  const ServiceSpec& s = *a->job.service;
  a->now = UpgradeAttempt{};
  std::vector<std::string> args = upgrade_args(s);
  DriverJobSpec spec = driver_spec_for(s, {args.begin() + 2, args.end()}, a->job.database_url, a->job.run_id);
  spec.timeout = a->job.timeout;
  if (ctx_.record_locks) spec.relation_locks_sql = held_relation_locks_sql();
  if (ctx_.guard_server_objects) spec.server_writes_sql = server_object_writes_sql();
  DriverJobHandlers h;
  std::weak_ptr<Attempt> weak = a;
  h.on_line = [weak](const std::string& l) {
    if (auto x = weak.lock()) {
      x->tail.add(l);
      x->on_line(l);
    }
  };
  h.on_event = [this, weak](const DriverEvent& e) {
    if (auto x = weak.lock()) on_driver_event(*x, e);
  };
  h.on_exit = [this, a](const ChildExit& e) {
    jobs_.erase(a->running);
    a->running.reset();
    a->now.tail = a->tail.lines();
    after_attempt(a, e);
  };
  a->running = DriverJob::start(ctx_.io, std::move(spec), std::move(h));
  jobs_.insert(a->running);
}

void AlembicRunner::on_driver_event(Attempt& a, const DriverEvent& e) {
  const ServiceSpec& s = *a.job.service;
  RunEvents& events = *a.job.events;
  switch (e.type) {
    case DriverEvent::Type::JobStarted:
      events.log("driver: job pid " + std::to_string(e.pid) +
                 (e.fork_ms ? ", forked in " + format_duration(Millis(static_cast<long>(*e.fork_ms))) +
                                  " (fork_ms=" + std::to_string(*e.fork_ms) + ")"
                            : " (its own interpreter)"));
      break;
    case DriverEvent::Type::Connection: {
      const DriverConnection& c = e.connection;
      a.now.connections.push_back(c);
      events.log("driver: connection backend pid " + std::to_string(c.backend_pid) + ", lock_timeout " +
                 ms_text(c.lock_timeout_ms) + ", statement_timeout " + ms_text(c.statement_timeout_ms) +
                 ", application_name " + c.application_name + (c.set_after_connect ? " (SET after connecting)" : ""));
      if (!c.limits_in_force && s.locks.lock_timeout)
        a.on_line("warning: a migration connection of " + s.name + " (backend pid " + std::to_string(c.backend_pid) +
                  ") runs with lock_timeout " + ms_text(c.lock_timeout_ms) + ", not " + format_duration(*s.locks.lock_timeout) +
                  (c.error.empty() ? "" : " (" + c.error + ")") +
                  ": its statements may queue behind a lock without bound");
      break;
    }
    case DriverEvent::Type::RevisionStarted:
      if (e.revision.limits_set)
        events.log("driver: revision " + e.revision.revision + "'s connection ran with lock_timeout " +
                   ms_text(e.revision.lock_timeout_ms) + " (env.py reset it): SET again for it");
      if (!e.revision.limits_error.empty() && s.locks.lock_timeout)
        a.on_line("warning: cannot read the limits of revision " + e.revision.revision + "'s connection (" +
                  e.revision.limits_error + "): lock_timeout may not be in force");
      events.migration_started({e.revision.revision, join(e.revision.down_revisions, "+"), relative_to(e.revision.file, s), {}, {}});
      break;
    case DriverEvent::Type::RevisionApplied:
      a.now.applied.push_back(e.revision);
      events.migration_applied({e.revision.revision, join(e.revision.down_revisions, "+"), relative_to(e.revision.file, s),
                                Millis(e.revision.duration_ms), e.revision.locks});
      break;
    case DriverEvent::Type::LockTimeout:
      a.now.lock_statement = e.statement;
      break;
    case DriverEvent::Type::Failure:
      a.now.failure = e.failure;
      for (const auto& l : e.failure.traceback) events.log(secrets::scrub(l));
      break;
    default:
      break;
  }
}

// A lock timeout rolled the upgrade's transaction back: try again after a backoff, up to lock_retries
// times, saying so in one line (the traceback is in the log).
void AlembicRunner::after_attempt(std::shared_ptr<Attempt> a, const ChildExit& e) {
  if (!e.succeeded() && !e.interrupted && !interrupted_ && a->now.lock_timeout() && a->number < a->retry.policy().attempts) {
    retry_after_lock_timeout(std::move(a));
    return;
  }
  finish(std::move(a), e);
}

void AlembicRunner::retry_after_lock_timeout(std::shared_ptr<Attempt> a) {
  boost::asio::post(ctx_.pool, [this, a] {
    Blocker held = blocker_of(a->job, a->now.failure->statement.empty() ? a->now.lock_statement : a->now.failure->statement);
    boost::asio::post(ctx_.io, [this, a, held] {
      ++a->r.lock_timeouts;
      const LockTimeout t = a->retry.timed_out(a->number, held.text, held.pid);
      const std::string rev = a->now.failure->revision;
      a->job.events->lock_waiting(LockWait{rev, t.blocker, t.blocker_pid, t.attempt, t.attempts, t.next, t.waited});
      a->on_line(t.retry_line(rev.empty() ? "" : "revision " + rev));
      const Millis wait = t.next;
      auto timer = std::make_shared<boost::asio::steady_timer>(ctx_.io, wait);
      timers_.insert(timer);
      timer->async_wait([this, timer, a](const boost::system::error_code&) {
        timers_.erase(timer);
        if (interrupted_) {
          a->r.outcome = Outcome::Interrupted;
          a->r.error = "interrupted while waiting to try again after a lock timeout";
          a->r.after = a->r.before;
          a->on_done(std::move(a->r));
          return;
        }
        ++a->number;
        run_attempt(a);
      });
    });
  });
}

void AlembicRunner::finish(std::shared_ptr<Attempt> a, const ChildExit& e) {
  RunResult& r = a->r;
  if (e.succeeded()) {
    r.applied = static_cast<int>(a->now.applied.size());
    r.outcome = r.applied > 0 ? Outcome::Applied : Outcome::UpToDate;
    // `upgrade` succeeded: the version table holds the heads the files declare.
    if (!a->heads.empty()) {
      r.after = a->heads;
      a->on_done(std::move(r));
      return;
    }
  } else {
    r.outcome = e.interrupted ? Outcome::Interrupted : Outcome::Failed;
    if (!a->now.failure) {
      FailureSummary f = summarize_failure(a->now.tail, e, a->cmd_text);
      r.error = f.error;
      r.details = f.details;
    }
  }
  // What the database holds now, whatever happened: the report must tell the truth.
  const bool lock_timeout = a->now.lock_timeout();
  if (lock_timeout) ++r.lock_timeouts;
  boost::asio::post(ctx_.pool, [this, a, lock_timeout, e] {
    Blocker held = lock_timeout ? blocker_of(a->job, a->now.lock_statement) : Blocker{};
    auto now = read_current(a->job);
    boost::asio::post(ctx_.io, [a, now, held, e, lock_timeout] {
      RunResult& r = a->r;
      const ServiceSpec& s = *a->job.service;
      r.after = now.value_or(r.before);
      if (r.outcome != Outcome::Applied && r.outcome != Outcome::UpToDate) {
        // Alembic runs the whole upgrade in one transaction unless env.py asks for one per revision: what
        // stayed is what the version table says.
        r.applied = r.after == r.before ? 0 : std::max(0, static_cast<int>(a->now.applied.size()));
        if (a->now.failure && !e.interrupted) describe_driver_failure(s, a->now, r);
        if (lock_timeout) {
          r.error += "; " + a->retry.timed_out(a->number, held.text, held.pid).gave_up();
          r.details.push_back(
              "end the blocking transaction (or wait for it), then run `orchestrate up` again; lock_timeout and "
              "lock_retries are set in [project] or the service");
        }
        if (e.interrupted) r.error = r.error.empty() ? "interrupted" : r.error;
      }
      a->on_done(std::move(r));
    });
  });
}

void AlembicRunner::run_plain_command(const RunJob& job, RunResult r, std::vector<std::string> heads, LineFn on_line,
                                      DoneFn on_done) {
  std::vector<std::string> argv = job.service->command;
  for (const auto& x : upgrade_args(*job.service)) argv.push_back(x);
  std::string cmd_text = join(argv, " ");
  on_line("$ " + cmd_text + "   (not `python -m alembic`: run as it is, without orchestrate's driver)");
  spawn(job, argv, on_line, [this, job, r, cmd_text, on_done](const ChildExit& e, const std::vector<std::string>& tail) mutable {
    record_exit(e, tail, cmd_text, r);
    boost::asio::post(ctx_.pool, [this, job, r, on_done]() mutable {
      auto now = read_current(job);
      r.after = now.value_or(r.before);
      // How many revisions it applied, from the graph: what was pending before and is not now.
      if (auto set = read_revision_set(job.service->path / job.service->config, job.service->path)) {
        auto before = set->pending(r.before), after = set->pending(r.after);
        if (before && after) r.applied = static_cast<int>(before->size() - std::min(before->size(), after->size()));
      }
      if (r.outcome == Outcome::Applied && r.applied == 0) r.outcome = Outcome::UpToDate;
      boost::asio::post(ctx_.io, [r, on_done]() mutable { on_done(std::move(r)); });
    });
  });
}

void AlembicRunner::interrupt() {
  ProcessRunner::interrupt();
  // A service waiting to try again after a lock timeout stops waiting now.
  for (const auto& t : std::set<std::shared_ptr<boost::asio::steady_timer>>(timers_)) t->cancel();
  for (const auto& j : std::set<std::shared_ptr<DriverJob>>(jobs_)) j->terminate();
}

}  // namespace orch

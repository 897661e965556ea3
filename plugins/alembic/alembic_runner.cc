#include "alembic/alembic_runner.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include "alembic/revision_reader.h"
#include "alembic/upgrade_target.h"
#include "db/database.h"
#include "db/db.h"
#include "db/lock_blocker.h"
#include "process/failure_summary.h"
#include "process/tool_run.h"
#include "util/backoff.h"
#include "util/text.h"

namespace orch {

namespace {

Precheck precheck(const RunJob& job) {
  const ServiceSpec& s = *job.service;
  Precheck p;
  if (auto set = read_revision_set(s.path / s.config)) {
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

}  // namespace

// The Alembic up-to-date decision: every revision file was read, the version table exists, and it
// holds exactly the heads. Anything else (unreadable files, no table, ahead) lets Alembic decide.
bool alembic_at_head(const Precheck& p) {
  return p.heads_known && p.current && !p.heads.empty() && same_set(*p.current, p.heads);
}

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
  std::vector<std::string> argv = job.service->command;
  for (const auto& a : upgrade_args(*job.service)) argv.push_back(a);
  std::string cmd_text = join(argv, " ");
  bool warm = !warm_python_of(job.service->command).empty();
  on_line("$ " + cmd_text + (warm ? "   (on a warm worker)" : ""));
  std::vector<std::string> heads = p.heads_known ? p.heads : std::vector<std::string>{};
  upgrade_attempt(job, std::move(r), std::move(heads), cmd_text, 1, std::move(on_line), std::move(on_done));
}

namespace {

// Who holds a lock on a table of the service's schema now ("" when nobody does, or on any error).
std::string blocker_of(const RunJob& job) {
  try {
    auto db = connect_db(job.database_url, "orchestrate/blocker");
    return describe_blocker(*db, {job.service->schema});
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

// One `upgrade head`. A lock timeout (the service's lock_timeout reaches Alembic's connection through
// PGOPTIONS) rolls its transaction back, so it is run again after a backoff, up to lock_retries times.
void AlembicRunner::upgrade_attempt(const RunJob& job, RunResult r, std::vector<std::string> heads,
                                    std::string cmd_text, int attempt, LineFn on_line, DoneFn on_done) {
  auto applied = std::make_shared<int>(0);
  run_alembic(
      job, upgrade_args(*job.service),
      [on_line, applied](const std::string& l) {
        if (l.find("Running upgrade") != std::string::npos) ++*applied;
        on_line(l);
      },
      [this, job, on_done, on_line, r, cmd_text, applied, heads, attempt](const ChildExit& e,
                                                                          const std::vector<std::string>& tail) mutable {
        r.applied = *applied;
        const LockPolicy& locks = job.service->locks;
        int attempts = 1 + (locks.lock_timeout ? locks.lock_retries : 0);
        if (!e.succeeded() && !e.interrupted && !interrupted_ && attempt < attempts && says_lock_timeout(tail)) {
          retry_after_lock_timeout(job, std::move(r), std::move(heads), std::move(cmd_text), attempt, std::move(on_line),
                                   std::move(on_done));
          return;
        }
        finish_upgrade(job, std::move(r), heads, cmd_text, e, tail, attempt, on_done);
      });
}

// Names who is in the way (a short connection of its own, on the pool), then waits the backoff on a
// timer Ctrl-C cancels, then runs `upgrade head` again.
void AlembicRunner::retry_after_lock_timeout(const RunJob& job, RunResult r, std::vector<std::string> heads,
                                             std::string cmd_text, int attempt, LineFn on_line, DoneFn on_done) {
  boost::asio::post(ctx_.pool, [=]() mutable {
    std::string blocker = blocker_of(job);
    boost::asio::post(ctx_.io, [=]() mutable {
      ++r.lock_timeouts;
      const LockPolicy& locks = job.service->locks;
      const int attempts = 1 + locks.lock_retries;
      Millis wait = lock_backoff(attempt, rng_);
      on_line("lock timeout (each attempt waits " + format_duration(*locks.lock_timeout) + " for a lock)" +
              (blocker.empty() ? "" : "; " + blocker) + "; attempt " + std::to_string(attempt) + " of " +
              std::to_string(attempts) + ", next in " + format_duration(wait));
      auto timer = std::make_shared<boost::asio::steady_timer>(ctx_.io, wait);
      timers_.insert(timer);
      timer->async_wait([this, timer, job, r, heads, cmd_text, attempt, on_line, on_done](const boost::system::error_code&) mutable {
        timers_.erase(timer);
        if (interrupted_) {
          r.outcome = Outcome::Interrupted;
          r.error = "interrupted while waiting to try again after a lock timeout";
          r.after = r.before;
          on_done(std::move(r));
          return;
        }
        upgrade_attempt(job, std::move(r), std::move(heads), cmd_text, attempt + 1, std::move(on_line), std::move(on_done));
      });
    });
  });
}

void AlembicRunner::finish_upgrade(const RunJob& job, RunResult r, const std::vector<std::string>& heads,
                                   const std::string& cmd_text, const ChildExit& e, const std::vector<std::string>& tail,
                                   int attempt, const DoneFn& on_done) {
  if (e.succeeded()) {
    r.outcome = r.applied > 0 ? Outcome::Applied : Outcome::UpToDate;
    // `upgrade head` succeeded: the version table holds the heads the files declare.
    if (!heads.empty()) {
      r.after = heads;
      on_done(std::move(r));
      return;
    }
  } else {
    FailureSummary f = summarize_failure(tail, e, cmd_text);
    r.outcome = e.interrupted ? Outcome::Interrupted : Outcome::Failed;
    r.error = f.error;
    r.details = f.details;
    if (attempt > 1 && says_lock_timeout(tail))
      r.details.insert(r.details.begin(), "gave up after " + std::to_string(attempt) + " attempts, each stopped by a lock timeout");
  }
  // What the database holds now, whatever happened: the report must tell the truth.
  const bool lock_timeout = !e.succeeded() && says_lock_timeout(tail);
  if (lock_timeout) ++r.lock_timeouts;
  boost::asio::post(ctx_.pool, [this, job, on_done, r, lock_timeout]() mutable {
    if (lock_timeout)
      if (std::string blocker = blocker_of(job); !blocker.empty()) r.details.insert(r.details.begin(), blocker);
    auto now = read_current(job);
    boost::asio::post(ctx_.io, [on_done, r, now]() mutable {
      r.after = now.value_or(r.before);
      // Alembic runs the whole upgrade in one transaction: a failure rolls every step back.
      if (r.outcome != Outcome::Applied && r.outcome != Outcome::UpToDate && r.after == r.before) r.applied = 0;
      on_done(std::move(r));
    });
  });
}

AlembicWorkerPool& AlembicRunner::pool_for(const std::string& python) {
  auto& p = pools_[python];
  if (!p) {
    // More interpreters than cores only adds start-up CPU: a job waits briefly for a warm one instead.
    // The cores are shared among the run's interpreters (a venv per service), at least one worker each.
    int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    int interpreters = static_cast<int>(std::max<size_t>(1, expected_.size()));
    p = std::make_unique<AlembicWorkerPool>(ctx_.io, python, std::max(1, std::min(ctx_.max_parallel, cores) / interpreters));
    p->expect(expected_[python]);
  }
  return *p;
}

void AlembicRunner::run_alembic(const RunJob& job, std::vector<std::string> args, LineFn on_line,
                                std::function<void(const ChildExit&, const std::vector<std::string>&)> on_exit) {
  std::string python = warm_python_of(job.service->command);
  if (python.empty()) {
    std::vector<std::string> argv = job.service->command;
    argv.insert(argv.end(), args.begin(), args.end());
    spawn(job, argv, on_line, on_exit);
    return;
  }
  WorkerJob w;
  w.args = std::move(args);
  w.cwd = job.service->path;
  w.env = child_env(job);
  w.timeout = job.timeout;
  w.on_line = std::move(on_line);
  w.on_exit = std::move(on_exit);
  pool_for(python).submit(std::move(w));
}

void AlembicRunner::expect(const std::vector<const ServiceSpec*>& services) {
  expected_.clear();
  for (const auto* s : services)
    if (s->runner == RunnerKind::Alembic)
      if (auto py = warm_python_of(s->command); !py.empty()) ++expected_[py];
  for (auto& [py, pool] : pools_) pool->expect(expected_[py]);
}

void AlembicRunner::interrupt() {
  ProcessRunner::interrupt();
  // A service waiting to try again after a lock timeout stops waiting now.
  for (const auto& t : std::set<std::shared_ptr<boost::asio::steady_timer>>(timers_)) t->cancel();
  for (auto& [py, pool] : pools_) pool->interrupt();
}

void AlembicRunner::shutdown() {
  for (auto& [py, pool] : pools_) pool->shutdown();
}

}  // namespace orch

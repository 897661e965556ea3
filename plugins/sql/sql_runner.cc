#include "sql/sql_runner.h"

#include <pwd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "db/database.h"
#include "db/db.h"
#include "db/held_locks.h"
#include "sql/server_wide.h"
#include "db/lock_blocker.h"
#include "report/status_report.h"
#include "sql/sql_migrations.h"
#include "sql/sql_steps.h"
#include "util/duration.h"
#include "util/identity.h"
#include "util/lock_retry.h"
#include "util/sql_split.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

struct SqlRunner::Job {
  std::mutex mu;
  Db* db = nullptr;  // set while a statement may be running
  std::atomic<bool> cancelled{false};
  std::atomic<bool> timed_out{false};
  bool record_locks = false;            // rehearse: read the file's table locks before its commit
  bool guard_server_objects = false;    // rehearse on the target's server: refuse server-wide writes
  std::vector<RelationLock> last_locks;  // what the last committed file held
  void cancel() {
    cancelled = true;
    std::lock_guard<std::mutex> lock(mu);
    if (db) db->cancel();
  }
};

namespace {

using EmitFn = std::function<void(std::string)>;
// Posts a typed event (RunEvents) to the scheduler's thread, from the pool.
using TypedFn = std::function<void(std::function<void(RunEvents&)>)>;
// Runs inside a file's transaction just before it commits (rehearse reads pg_locks there).

// Thrown before the commit of a file that wrote roles or databases in a shadow on the target's server.
struct ServerObjectsWritten : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string server_objects_text(const std::vector<std::string>& catalogs) {
  return "it changes what every database of the server shares (" + join(catalogs, ", ") +
         "): in a shadow on the target's own server that change would be real, so it was rolled back; rehearse on a "
         "throwaway server (--shadow-url or [rehearsal] server) to rehearse it";
}

std::string applied_by(const std::string& run_id) {
  const std::string who = std::getenv("JOB_COMPLETION_INDEX") ? applied_by_name() : os_user_name() + "@" + host_name();
  return who + " (orchestrate " ORCHESTRATE_VERSION ", run " + run_id + ")";
}

// Creates the schema and the ledger when missing and reads what it holds.
Ledger prepare_ledger(Db& db, const ServiceSpec& s, const SqlApplyRules& rules) {
  const QuoteFn q = [&db](const std::string& x) { return db.quote_name(x); };
  Ledger applied;
  auto tx = db.begin();
  for (const auto& st : prepare_steps(s, rules, q)) tx->exec(st);
  for (const auto& row : tx->query(rules.ledger->read_sql(s, q))) applied[row[0].as_int()] = {row[1].str(), row[2].str()};
  tx->commit();
  return applied;
}

std::string interrupted_text(const RunJob& job, const SqlRunner::Job& state, const SqlMigration& m) {
  const std::string fname = m.path.filename().string();
  if (m.no_transaction)
    // No transaction to roll back: say what is true. An interrupted CREATE INDEX CONCURRENTLY leaves an
    // INVALID index behind, which the next run finds and rebuilds (rebuild_invalid_indexes).
    return (state.timed_out ? "timed out after " + format_duration(*job.timeout) + " while applying "
                            : "interrupted while applying ") +
           fname + ", which runs without a transaction: statements before the interrupted one stay applied, "
                   "the file is not recorded, and the next `up` runs it again (rebuilding any index it left INVALID)";
  return (state.timed_out ? "timed out after " + format_duration(*job.timeout) + " while applying "
                          : "interrupted while applying ") +
         fname + "; its transaction was rolled back";
}

// An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index: unusable, and a rerun's IF NOT
// EXISTS would skip it and record the file as applied. Before a no-transaction file runs, every index it
// creates that exists INVALID is dropped (concurrently, so writes go on), and the file builds it again.
void rebuild_invalid_indexes(Db& db, const ServiceSpec& s, const SqlMigration& m, const EmitFn& emit) {
  std::vector<std::string> schemas, names;
  for (const auto& [schema, name] : indexes_created(m.contents)) {
    schemas.push_back(schema.empty() ? s.schema : schema);
    names.push_back(name);
  }
  if (names.empty()) return;
  auto invalid = db.query(
      "SELECT n.nspname, c.relname FROM unnest($1::text[], $2::text[]) AS x(nsp, name) "
      "JOIN pg_namespace n ON n.nspname = x.nsp JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = x.name "
      "JOIN pg_index i ON i.indexrelid = c.oid WHERE NOT i.indisvalid",
      {to_pg_array(schemas), to_pg_array(names)});
  for (const auto& row : invalid) {
    const std::string index = db.quote_name(row[0].str()) + "." + db.quote_name(row[1].str());
    emit("dropping INVALID index " + row[0].str() + "." + row[1].str() + " (left by an interrupted run); " +
         m.path.filename().string() + " builds it again");
    db.query("DROP INDEX CONCURRENTLY IF EXISTS " + index);
  }
}

// A failed file in the report: where (file:line), the server's words, and what was kept.
// "Key (email)=(a@b.c) already exists." -> "Key (email)=(…) already exists."; "Failing row contains
// (1, secret)." -> "Failing row contains (…)."
std::string without_row_values(const std::string& detail) {
  if (size_t at = detail.find("Failing row contains ("); at != std::string::npos)
    return detail.substr(0, at) + "Failing row contains (…).";
  size_t key = detail.find(")=(");
  if (key == std::string::npos) return detail;
  for (const char* tail : {") is duplicated", ") already exists", ") is not present", ") is still referenced", ") conflicts"})
    if (size_t end = detail.find(tail, key); end != std::string::npos) return detail.substr(0, key + 3) + "…" + detail.substr(end);
  return detail.substr(0, key + 3) + "…)";
}

void describe_failure(const std::exception& e, const ServiceSpec& s, const SqlMigration& m, int line_base, RunResult& r,
                      const EmitFn& emit) {
  const std::string fname = m.path.filename().string();
  std::string what = e.what();
  r.outcome = Outcome::Failed;
  if (auto* lost = dynamic_cast<const DbError*>(&e); lost && lost->connection_lost()) {
    // libpq's own words add something only when the server said why ("terminating connection due to
    // administrator command"); "could not obtain client encoding" says nothing to an operator.
    std::string why = first_error_line(what);
    bool informative = why.find("client encoding") == std::string::npos && why.find("not connected") == std::string::npos;
    r.error = s.path_text + "/" + fname + ": the connection to the database was lost" + (informative ? " (" + why + ")" : "");
    r.details = {std::to_string(r.applied) + " file(s) before it were applied and recorded",
                 m.no_transaction ? fname + " runs without a transaction: statements before line " +
                                        std::to_string(line_base) + " may stay applied; it is not recorded"
                                  : fname + " was not applied (its transaction rolled back) and is not recorded",
                 "run `orchestrate up` again once the database is reachable"};
    emit("FAILED " + fname + ": connection lost");
    return;
  }
  int rel = error_line(what);
  int line = rel ? line_base + rel - 1 : line_base;
  auto lines = split(m.contents, '\n');
  // A LINE outside the file is the ledger row's or orchestrate's own setup: no line of the file to show.
  if (rel && (line < 1 || line > static_cast<int>(lines.size()))) rel = 0, line = 1;
  std::string where = s.path_text + "/" + fname;
  if (rel || m.no_transaction) where += ":" + std::to_string(line);
  r.error = where + ": " + first_error_line(what);
  if (rel && line >= 1 && line <= static_cast<int>(lines.size()))
    r.details.push_back(std::to_string(line) + " | " + trim(lines[line - 1]));
  // The server's DETAIL and HINT say which key is duplicated, which row fails a check; the row's values
  // are the target's data (a token, an e-mail), so they are left out of output, reports and events.
  for (const auto& l : split(what, '\n'))
    if (starts_with(trim(l), "DETAIL:") || starts_with(trim(l), "HINT:")) r.details.push_back(secrets::scrub(without_row_values(trim(l))));
  r.details.push_back(m.no_transaction
                          ? "this file runs without a transaction: statements before the failing one stay applied"
                          : "the file's transaction was rolled back; nothing of it was applied or recorded");
  emit("FAILED " + fname + ": " + first_error_line(what));
}

// Sleeps `d` in short slices; false when the run was cancelled meanwhile.
bool pause(Millis d, const SqlRunner::Job& state) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (state.cancelled) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
  }
  return !state.cancelled;
}

// A file that gave up waiting for a lock, in the report.
void describe_gave_up(const ServiceSpec& s, const SqlMigration& m, int line_base, const LockTimeout& t, RunResult& r,
                      const EmitFn& emit) {
  const std::string fname = m.path.filename().string();
  r.outcome = Outcome::Failed;
  r.error = s.path_text + "/" + fname + (m.no_transaction ? ":" + std::to_string(line_base) : "") +
            ": lock timeout: " + t.gave_up();
  r.details = {m.no_transaction ? "statements before the one waiting stay applied; the file is not recorded"
                                : "the file's transaction was rolled back; nothing of it was applied or recorded",
               "end the blocking transaction (or wait for it), then run `orchestrate up` again; "
               "lock_timeout and lock_retries are set in [project] or the service"};
  emit("FAILED " + fname + ": lock timeout after " + std::to_string(t.attempts) + " attempts");
}

// Applies one file and its ledger row. A lock timeout rolls the file's transaction back, so the file is
// tried again after a backoff (util/lock_retry.h), up to lock_retries times; in a no-transaction file
// only the statement that timed out is. Returns false with r.error/details filled on failure.
bool apply_file(Db& db, const RunJob& job, const SqlMigration& m, const SqlRunner::Options& opt, const std::string& who,
                SqlRunner::Job& state, RunResult& r, const EmitFn& emit, const TypedFn& typed) {
  const ServiceSpec& s = *job.service;
  const std::string fname = m.path.filename().string();
  emit("applying " + fname + (m.no_transaction ? " (no transaction)" : ""));
  // `status` from another machine shows the file running, and for how long (the progress writer).
  MigrationStep started{fname, "", std::filesystem::relative(m.path, s.path).string(), Millis{0}, {}};
  typed([started](RunEvents& e) { e.migration_started(started); });
  const auto t0 = std::chrono::steady_clock::now();
  if (m.no_transaction) rebuild_invalid_indexes(db, s, m, emit);
  const FileSteps steps = file_steps(s, m, opt.rules, who, [&db](const std::string& x) { return db.quote_name(x); });
  size_t next = 0;
  int line_base = 1;
  bool ok = false;
  LockRetry retry(LockRetryPolicy::of(s.locks.lock_timeout, s.locks.lock_retries));
  LockRetry::Hooks hooks;
  hooks.blocker = [&] {
    Blocker held = find_blocker(db, {s.schema});
    return std::make_pair(held.text, held.pid);
  };
  hooks.waiting = [&](const LockTimeout& t) {
    LockWait lw{fname, t.blocker, t.blocker_pid, t.attempt, t.attempts, t.next, t.waited};
    typed([lw](RunEvents& e) { e.lock_waiting(lw); });
    emit(t.retry_line(fname));
  };
  hooks.wait = [&](Millis d) { return pause(d, state); };
  LockTimeout last;
  auto end = retry.run(
      [&](int attempt) {
        try {
          BeforeCommit hook = opt.before_commit;
          if (state.record_locks || state.guard_server_objects)
            hook = [&state, &opt](Tx& tx, const SqlMigration& file) {
              state.last_locks = held_relation_locks(tx);
              if (state.guard_server_objects)
                if (auto written = server_object_writes(tx); !written.empty())
                  throw ServerObjectsWritten(server_objects_text(written));
              if (opt.before_commit) opt.before_commit(tx, file);
            };
          if (m.no_transaction && state.guard_server_objects)  // each statement commits by itself: judged first
            for (const auto& st : steps.statements)
              if (auto what = server_wide_statement(st))
                throw ServerObjectsWritten("line " + std::to_string(st.line) + ": " + *what +
                                           " would commit by itself (the file runs without a transaction), and in a "
                                           "shadow on the target's own server it would be real; nothing of the file was "
                                           "run; rehearse on a throwaway server (--shadow-url or [rehearsal] server)");
          execute_steps(db, steps, s.locks, next, line_base, hook);
          ++r.applied;
          r.after = {m.version_text};
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
          emit("applied " + fname + " in " + format_duration(ms) +
               (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : ""));
          MigrationStep step{fname, "", std::filesystem::relative(m.path, s.path).string(), ms,
                                std::move(state.last_locks)};
          typed([step](RunEvents& e) { e.migration_applied(step); });
          ok = true;
        } catch (const DbError& e) {
          if (state.cancelled) {
            r.outcome = state.timed_out ? Outcome::Failed : Outcome::Interrupted;
            r.error = interrupted_text(job, state, m);
            return true;
          }
          if (!e.lock_timeout()) {
            describe_failure(e, s, m, line_base, r, emit);
            return true;
          }
          ++r.lock_timeouts;
          return false;
        } catch (const ServerObjectsWritten& e) {
          r.outcome = Outcome::Failed;
          r.server_objects = true;
          r.error = s.path_text + "/" + fname + ": " + e.what();
          emit("FAILED " + fname + ": " + e.what());
        } catch (const std::exception& e) {
          describe_failure(e, s, m, line_base, r, emit);
        }
        return true;
      },
      hooks, &last);
  if (end == LockRetry::End::GaveUp) describe_gave_up(s, m, line_base, last, r, emit);
  if (end == LockRetry::End::Interrupted) {
    r.outcome = state.timed_out ? Outcome::Failed : Outcome::Interrupted;
    r.error = interrupted_text(job, state, m);
  }
  return ok;
}

// Runs on the pool. `emit` posts a line to the io_context.
RunResult apply_sql(const RunJob& job, const SqlRunner::Options& opt, SqlRunner::Job& state, const EmitFn& emit,
                    const TypedFn& typed) {
  const ServiceSpec& s = *job.service;
  RunResult r;
  // The run's session already read the ledger and the files: nothing to do means no connection at all.
  if (job.before && job.before->state == service_state::kUpToDate) {
    r.outcome = Outcome::UpToDate;
    r.before = r.after = job.before->current;
    emit("all files already applied (read on the run's session)");
    return r;
  }
  SqlMigrationSet set = read_sql_migrations(s.path, s.max_file_bytes);
  if (!set.errors.empty()) {
    r.outcome = Outcome::Failed;
    r.error = s.path_text + "/" + set.errors.front();
    r.details = set.errors;
    return r;
  }
  std::unique_ptr<Db> db;
  try {
    db = connect_db(job.database_url, "orchestrate/" + s.name);
  } catch (const std::exception& e) {
    r.outcome = Outcome::Failed;
    r.error = "cannot connect: " + first_error_line(e.what());
    return r;
  }
  {
    std::lock_guard<std::mutex> lock(state.mu);
    state.db = db.get();
  }
  struct Clear {
    SqlRunner::Job& st;
    ~Clear() {
      std::lock_guard<std::mutex> lock(st.mu);
      st.db = nullptr;
    }
  } clear{state};

  Ledger applied;
  try {
    applied = prepare_ledger(*db, s, opt.rules);
  } catch (const std::exception& e) {
    r.outcome = state.cancelled ? Outcome::Interrupted : Outcome::Failed;
    r.error = "cannot prepare the ledger " + s.version_schema + "." + s.version_table + ": " + first_error_line(e.what());
    return r;
  }
  if (!applied.empty()) r.before = {version_label(set, applied.rbegin()->first)};
  r.after = r.before;
  LedgerVerdict verdict = validate_ledger(s.path_text, set, applied);
  if (!verdict.error.empty()) {
    r.outcome = Outcome::Failed;
    r.error = verdict.error;
    r.details = verdict.details;
    return r;
  }
  for (const auto& w : verdict.warnings) emit(w);

  const std::string who = applied_by(job.run_id);
  for (const auto& m : set.migrations) {
    if (applied.count(m.version)) continue;
    if (state.cancelled) {
      r.outcome = state.timed_out ? Outcome::Failed : Outcome::Interrupted;
      if (state.timed_out) r.error = "timed out after " + format_duration(*job.timeout);
      return r;
    }
    if (!apply_file(*db, job, m, opt, who, state, r, emit, typed)) return r;
  }
  r.outcome = r.applied > 0 ? Outcome::Applied : Outcome::UpToDate;
  if (r.applied == 0) emit("all " + std::to_string(set.migrations.size()) + " files already applied");
  return r;
}

}  // namespace

void SqlRunner::start(const RunJob& job, LineFn on_line, DoneFn on_done) {
  auto state = std::make_shared<Job>();
  state->record_locks = ctx_.record_locks;
  state->guard_server_objects = ctx_.guard_server_objects;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) {
      RunResult r;
      r.outcome = Outcome::Interrupted;
      on_done(r);
      return;
    }
    running_.insert(state);
  }
  std::shared_ptr<boost::asio::steady_timer> timer;
  if (job.timeout) {
    timer = std::make_shared<boost::asio::steady_timer>(ctx_.io, *job.timeout);
    timer->async_wait([state](const boost::system::error_code& e) {
      if (e) return;
      state->timed_out = true;
      state->cancel();
    });
  }
  boost::asio::io_context& io = ctx_.io;
  boost::asio::post(ctx_.pool, [this, job, state, timer, on_line, on_done, &io] {
    auto emit = [&io, on_line](std::string l) { boost::asio::post(io, [on_line, l] { on_line(l); }); };
    RunEvents* events = job.events;
    auto typed = [&io, events](std::function<void(RunEvents&)> f) { boost::asio::post(io, [events, f] { f(*events); }); };
    RunResult r = apply_sql(job, opt_, *state, emit, typed);
    boost::asio::post(io, [this, state, timer, on_done, r]() mutable {
      if (timer) timer->cancel();
      {
        std::lock_guard<std::mutex> lock(mu_);
        running_.erase(state);
      }
      on_done(std::move(r));
    });
  });
}

void SqlRunner::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  interrupted_ = true;
  for (const auto& j : running_) j->cancel();
}

}  // namespace orch

#include "engine/run_session.h"

#include "db/database.h"
#include "db/db.h"
#include "db/pooler_probe.h"
#include "db/run_lock.h"
#include "inspect/status_inspector.h"
#include "util/connect_hint.h"
#include "util/secrets.h"
#include "db/db_error.h"
#include "util/exit_codes.h"

namespace orch {

RunSession::RunSession(std::unique_ptr<Db> db, SessionSpec spec, NoteFn note)
    : db_(std::move(db)), spec_(std::move(spec)), note_(std::move(note)), recorded_run_id_(spec_.run_id) {}

RunSession::~RunSession() {
  if (lock_) lock_->release();
}

Result<std::unique_ptr<RunSession>> RunSession::open(const SessionSpec& spec, const NoteFn& note,
                                                     const Waiter& waiter) {
  std::unique_ptr<Db> db;
  try {
    // The name says which run holds the lock when another run waits for it (pg_stat_activity).
    db = connect_db(spec.url, "orchestrate/lock " + spec.run_id);
  } catch (const std::exception& e) {
    const std::string why = secrets::scrub(first_error_line(e.what()));
    return Error{"cannot connect: " + why, secrets::redact_url(spec.url), connect_hint(why), exit_code::kFailed};
  }
  // Behind a transaction-mode pooler the lock would not protect anything: refuse before taking it.
  SessionProbe probe;
  try {
    probe = probe_session(*db, spec.url);
  } catch (const std::exception& e) {
    return db_error(e, "cannot read the session", secrets::redact_url(spec.url));
  }
  if (probe.pooled) return Error{"refusing to run: " + *probe.pooled + "; nothing was changed", secrets::redact_url(spec.url), kPoolerHint,
                                 exit_code::kUsage};
  auto session = std::make_unique<RunSession>(std::move(db), spec, note);
  session->backend_pid_ = probe.backend_pid;
  if (auto st = session->lock(waiter); !st) return st.error();
  return session;
}

Status RunSession::lock(const Waiter& waiter) {
  lock_ = std::make_unique<RunLock>(*db_, spec_.project);
  RunLock::Result got;
  try {
    got = lock_->acquire(
        spec_.lock_wait,
        [&](const LockHolder& h) {
          note_("waiting up to " + format_duration(spec_.lock_wait) + " for the run lock of " + spec_.project +
                ", held by " + h.describe());
        },
        waiter);
  } catch (const std::exception& e) {
    return db_error(e, "cannot take the run lock", secrets::redact_url(spec_.url));
  }
  if (got == RunLock::Result::Cancelled)
    return Error{"interrupted while waiting for the run lock; nothing was started", "", "", exit_code::kInterrupted};
  if (got == RunLock::Result::Busy) {
    std::optional<LockHolder> h;
    try {
      h = lock_->holder();
    } catch (const std::exception&) {
    }
    return Error{"another orchestrate run holds the lock of project " + spec_.project +
                     (h ? ": " + h->describe() : std::string()),
                 secrets::redact_url(spec_.url), "wait for it to finish (orchestrate status shows progress), or raise --lock-wait",
                 exit_code::kLockBusy};
  }
  // The probe saw one server process; the lock must be held by it, and still be in the next transaction.
  if (backend_pid_ == 0) backend_pid_ = lock_->backend_pid();  // not opened through open(): no probe ran
  Status kept = ok();
  try {
    kept = lock_->backend_pid() != backend_pid_
               ? Error{"the session's server process changed from " + std::to_string(backend_pid_) + " to " +
                       std::to_string(lock_->backend_pid()) + ": the connection goes through a transaction-mode pooler"}
               : lock_survives(*db_, backend_pid_, RunLock::class_key(), RunLock::object_key(spec_.project));
  } catch (const DbError& e) {
    kept = db_error(e, "the session was lost right after taking the run lock");
  }
  if (kept) return ok();
  lock_->release();
  lock_.reset();
  return Error{kept.error().message + "; nothing was changed (the lock may stay on the pooler's server connection until it closes)",
               secrets::redact_url(spec_.url), kPoolerHint, exit_code::kUsage};
}

Status RunSession::check_lock() {
  const std::string stop = "; nothing further was started";
  try {
    std::lock_guard<std::mutex> g(db_mutex_);
    auto held = db_->scalar(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
        "AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2",
        {std::to_string(RunLock::class_key()), std::to_string(RunLock::object_key(spec_.project))});
    if (held == "1") return ok();
    return Error{"lost the run lock (this session no longer holds it)" + stop, secrets::redact_url(spec_.url)};
  } catch (const std::exception& e) {
    return Error{"lost the run lock (" + db_error(e, "connection terminated").message + ")" + stop,
                 secrets::redact_url(spec_.url)};
  }
}

void RunSession::record_start() {
  try {
    ensure_history_schema(*db_);
    // We hold the project's lock: a run still marked running was killed without a word.
    for (const auto& id : mark_abandoned_runs(*db_, spec_.project))
      note_("note: run " + id + " never finished (killed?); recorded as abandoned");
    RunRecord rec = current_run_record(spec_.run_id, spec_.project, spec_.target, spec_.command, spec_.manifest_checksum);
    try {
      record_run_start(*db_, rec);
    } catch (const DbError& e) {
      if (e.sqlstate() != "23505") throw;
      // The id is taken: a rollout worker takes over the target of one that died under the same id. That
      // run keeps its row (abandoned, above); this one gets its own, so the target's history tells both.
      rec.run_id = takeover_run_id(*db_, spec_.run_id);
      record_run_start(*db_, rec);
      note_("note: this run is recorded as " + rec.run_id + " (" + spec_.run_id + " is the run it takes over)");
    }
    recorded_run_id_ = rec.run_id;
    recording_ = true;
  } catch (const std::exception& e) {
    note_(db_error(e, "warning: run history not recorded").message);
  }
}

void RunSession::record_end(const RunReport& report, const std::string& outcome) {
  if (!recording_) return;
  try {
    if (report.run_id != recorded_run_id_) {
      RunReport mine = report;
      mine.run_id = recorded_run_id_;
      record_run_end(*db_, mine, outcome);
      return;
    }
    record_run_end(*db_, report, outcome);
  } catch (const std::exception& e) {
    note_(db_error(e, "warning: run history not recorded").message);
  }
}

std::optional<RlsFingerprint> RunSession::last_rls_fingerprint() {
  if (!recording_) return std::nullopt;
  try {
    return orch::last_rls_fingerprint(*db_, spec_.project, spec_.target);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

StatusReport RunSession::inspect(const Manifest& m, bool full) {
  return inspect_status(m, db_.get(), secrets::redact_url(spec_.url), spec_.target, "", InspectParts{full, full});
}

}  // namespace orch

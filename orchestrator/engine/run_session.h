#pragma once
// One changing command (up, down, baseline, rls, a rollout's target) on one database: ONE connection
// that takes the run lock, records the history, reads where every service stands (batched queries)
// and applies the RLS phase. RAII: destroying it releases the lock and closes the session.
// Runners open their own connections only to apply migrations (docs/architecture.md counts them).
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "db/run_lock.h"
#include "history/history.h"
#include "manifest/manifest.h"
#include "report/run_report.h"
#include "report/status_report.h"
#include "util/duration.h"
#include "util/result.h"

namespace orch {

class Db;

struct SessionSpec {
  std::string url;  // a secret: shown only through secrets::redact_url
  std::string project;
  std::string target = "default";
  std::string run_id;
  std::string command = "up";  // recorded in the history
  std::string manifest_checksum;
  Millis lock_wait{60000};
};

// Warnings and waiting notices, routed to the run's printer (never straight to stderr).
using NoteFn = std::function<void(const std::string&)>;

class RunSession {
 public:
  // Connects and waits up to spec.lock_wait for the run lock. Errors: cannot connect (exit 1), lock
  // busy (4, naming the holder), interrupted while waiting (130; nothing was recorded).
  static Result<std::unique_ptr<RunSession>> open(const SessionSpec& spec, const NoteFn& note, const Waiter& waiter);
  // On a given database session (tests: a FakeDb); the caller takes the lock with lock().
  RunSession(std::unique_ptr<Db> db, SessionSpec spec, NoteFn note);
  ~RunSession();
  RunSession(const RunSession&) = delete;
  RunSession& operator=(const RunSession&) = delete;

  Status lock(const Waiter& waiter);
  // Is the run lock still ours? One cheap query on the session; an error when the connection was
  // terminated or the lock is gone, so the run starts nothing further (another run may hold it now).
  Status check_lock();
  Db& db() { return *db_; }
  // Held around every use of the session while the services run: the progress writer's thread and the
  // lock checks share it (history/progress_writer.h).
  std::mutex& db_mutex() { return db_mutex_; }
  const SessionSpec& spec() const { return spec_; }

  // History. A failure to write it never fails the run: it becomes a warning through `note`.
  void record_start();
  void record_end(const RunReport& report, const std::string& outcome);
  bool recording() const { return recording_; }
  // The id the history recorded this run under: spec().run_id, unless a row already had it (a rollout
  // worker taking over a dead worker's target): then "<id>-takeover", "<id>-takeover2", ...
  const std::string& recorded_run_id() const { return recorded_run_id_; }
  std::optional<RlsFingerprint> last_rls_fingerprint();

  // Where every service stands, read on this session (the prechecks of `up`, the listing of `down`).
  // `full` adds each service's last run and the RLS coverage, as `status` shows them.
  StatusReport inspect(const Manifest& m, bool full = true);

 private:
  std::unique_ptr<Db> db_;
  std::mutex db_mutex_;
  SessionSpec spec_;
  NoteFn note_;
  std::unique_ptr<RunLock> lock_;
  int backend_pid_ = 0;  // the server process the pooler probe saw
  bool recording_ = false;
  std::string recorded_run_id_;
};

}  // namespace orch

#pragma once
// One `up` at a time per project and database: a session-level advisory lock held on the run's own
// session (RunSession's Db) for the whole run. If orchestrate dies, the session ends and PostgreSQL
// releases the lock; nothing to clean up by hand.
#include <functional>
#include <optional>
#include <string>

#include "util/clock.h"
#include "util/duration.h"

namespace orch {

class Db;

struct LockHolder {
  int pid = 0;
  std::string application_name;
  std::string user;
  std::string client;  // address, or "local socket"
  std::string since;   // when its session started
  std::string describe() const;
};

// How a wait passes: the clock tells the time, sleep pauses and returns false when the wait was
// cancelled (Ctrl-C). Production uses the steady clock and a CancelHub; tests use a fake clock.
struct Waiter {
  const Clock& clock;
  std::function<bool(Millis)> sleep;
};

class RunLock {
 public:
  enum class Result { Acquired, Busy, Cancelled };

  RunLock(Db& db, std::string project) : db_(db), project_(std::move(project)) {}
  ~RunLock() { release(); }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // Tries until `wait` has passed, calling on_wait with the holder when first blocked and every 10 s.
  Result acquire(Millis wait, const std::function<void(const LockHolder&)>& on_wait, const Waiter& waiter);
  std::optional<LockHolder> holder();
  bool held() const { return held_; }
  // The server process that took the lock (behind a transaction-mode pooler, not necessarily ours later).
  int backend_pid() const { return backend_pid_; }
  void release();

  // The lock's two keys, as they appear in pg_locks (classid, objid).
  static int class_key();
  static int object_key(const std::string& project);

 private:
  bool try_once();
  Db& db_;
  std::string project_;
  bool held_ = false;
  int backend_pid_ = 0;
};

}  // namespace orch

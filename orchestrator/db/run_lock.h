#pragma once
// One `up` at a time per project and database: a session-level advisory lock held on a connection of
// its own for the whole run. If orchestrate dies, the session ends and PostgreSQL releases the lock;
// nothing to clean up by hand.
#include <pqxx/pqxx>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "util/duration.h"

namespace orch {

struct LockHolder {
  int pid = 0;
  std::string application_name;
  std::string user;
  std::string client;  // address, or "local socket"
  std::string since;   // when its session started
  std::string describe() const;
};

class RunLock {
 public:
  // Connects as application_name (e.g. "orchestrate/lock <run-id>"), so whoever waits sees who holds it.
  RunLock(const std::string& url, const std::string& project, const std::string& application_name);

  // Tries until `wait` has passed, calling on_wait with the holder when first blocked and every 10 s.
  bool acquire(Millis wait, const std::function<void(const LockHolder&)>& on_wait);
  std::optional<LockHolder> holder();
  void release();
  // The lock's own session, idle between lock calls: the run history is written on it.
  pqxx::connection& connection() { return *conn_; }

  // The lock's two keys, as they appear in pg_locks (classid, objid).
  static int class_key();
  static int object_key(const std::string& project);

 private:
  std::unique_ptr<pqxx::connection> conn_;
  std::string project_;
  bool held_ = false;
};

}  // namespace orch

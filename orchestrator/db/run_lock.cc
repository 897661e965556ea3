#include "db/run_lock.h"

#include <algorithm>

#include "db/db.h"

namespace orch {

std::string LockHolder::describe() const {
  return "pid " + std::to_string(pid) + " (" + (application_name.empty() ? "no application_name" : application_name) +
         ", user " + user + ", from " + client + ", connected since " + since + ")";
}

int RunLock::class_key() { return 0x6f726368; }  // "orch"

int RunLock::object_key(const std::string& project) {
  // FNV-1a: stable across versions and hosts, unlike std::hash.
  uint32_t h = 2166136261u;
  for (unsigned char c : project) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<int>(h & 0x7fffffff);
}

bool RunLock::try_once() {
  Row r = db_.query("SELECT pg_try_advisory_lock($1, $2), pg_backend_pid()",
                    {std::to_string(class_key()), std::to_string(object_key(project_))})[0];
  backend_pid_ = static_cast<int>(r[1].as_int());
  return r[0].as_bool();
}

RunLock::Result RunLock::acquire(Millis wait, const std::function<void(const LockHolder&)>& on_wait,
                                 const Waiter& waiter) {
  const auto deadline = waiter.clock.now() + wait;
  auto next_report = waiter.clock.now();
  for (;;) {
    if (try_once()) {
      held_ = true;
      return Result::Acquired;
    }
    auto now = waiter.clock.now();
    if (now >= next_report) {
      if (auto h = holder()) on_wait(*h);
      next_report = now + std::chrono::seconds(10);
    }
    if (now >= deadline) return Result::Busy;
    auto pause = std::min<Millis>(Millis(250), std::chrono::duration_cast<Millis>(deadline - now) + Millis(1));
    if (!waiter.sleep(pause)) return Result::Cancelled;
  }
}

std::optional<LockHolder> RunLock::holder() {
  auto r = db_.query(
      "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
      "       coalesce(host(a.client_addr), 'local socket'), "
      "       to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') "
      "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid AND l.objid = $2::int::oid "
      "  AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      {std::to_string(class_key()), std::to_string(object_key(project_))});
  if (r.empty()) return std::nullopt;
  LockHolder h;
  h.pid = static_cast<int>(r[0][0].as_int());
  h.application_name = r[0][1].str();
  h.user = r[0][2].str();
  h.client = r[0][3].str();
  h.since = r[0][4].str();
  return h;
}

void RunLock::release() {
  if (!held_) return;
  held_ = false;
  try {
    db_.query("SELECT pg_advisory_unlock($1, $2)", {std::to_string(class_key()), std::to_string(object_key(project_))});
  } catch (...) {
    // Closing the session releases it anyway.
  }
}

}  // namespace orch

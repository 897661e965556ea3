#include "db/run_lock.h"

#include <chrono>
#include <thread>

#include "db/database.h"

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

RunLock::RunLock(const std::string& url, const std::string& project, const std::string& application_name)
    : conn_(connect(url, application_name)), project_(project) {}

bool RunLock::acquire(Millis wait, const std::function<void(const LockHolder&)>& on_wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  auto next_report = std::chrono::steady_clock::now();
  for (;;) {
    {
      pqxx::nontransaction tx(*conn_);
      auto r = tx.exec_params1("SELECT pg_try_advisory_lock($1, $2)", class_key(), object_key(project_));
      if (r[0].as<bool>()) {
        held_ = true;
        return true;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= next_report) {
      if (auto h = holder()) on_wait(*h);
      next_report = now + std::chrono::seconds(10);
    }
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(250),
                                                                             deadline - now));
  }
}

std::optional<LockHolder> RunLock::holder() {
  pqxx::nontransaction tx(*conn_);
  auto r = tx.exec_params(
      "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
      "       coalesce(host(a.client_addr), 'local socket'), "
      "       to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') "
      "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int::oid AND l.objid = $2::int::oid "
      "  AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      class_key(), object_key(project_));
  if (r.empty()) return std::nullopt;
  LockHolder h;
  h.pid = r[0][0].as<int>();
  h.application_name = r[0][1].c_str();
  h.user = r[0][2].c_str();
  h.client = r[0][3].c_str();
  h.since = r[0][4].c_str();
  return h;
}

void RunLock::release() {
  if (!held_) return;
  try {
    pqxx::nontransaction tx(*conn_);
    tx.exec_params("SELECT pg_advisory_unlock($1, $2)", class_key(), object_key(project_));
  } catch (...) {
    // Closing the session releases it anyway.
  }
  held_ = false;
}

}  // namespace orch

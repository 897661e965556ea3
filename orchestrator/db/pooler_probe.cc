#include "db/pooler_probe.h"

#include <future>

#include "db/db.h"
#include "util/exit_codes.h"

namespace orch {

const char* const kPoolerHint =
    "connect `database` to PostgreSQL directly or to a session-mode pooler port (Supabase: the direct "
    "connection on port 5432, not the transaction pooler on 6543; PgBouncer: pool_mode = session)";

namespace {

// A second client's server process, or 0 when it did not get one within `probe_ms`.
int other_client_pid(const std::string& url, int probe_ms) {
  std::unique_ptr<Db> probe;
  try {
    probe = connect_db(url, "orchestrate/pooler-probe");
  } catch (const DbError&) {
    return 0;
  }
  Db* raw = probe.get();
  auto answer = std::async(std::launch::async, [raw] {
    try {
      return static_cast<int>(raw->query("SELECT pg_backend_pid()")[0][0].as_int());
    } catch (const DbError&) {
      return 0;
    }
  });
  if (answer.wait_for(std::chrono::milliseconds(probe_ms)) == std::future_status::ready) return answer.get();
  raw->cancel();  // a pooler with no free server connection: it drops the waiting query
  answer.wait();
  return 0;
}

}  // namespace

SessionProbe probe_session(Db& session, const std::string& url, int probe_ms) {
  SessionProbe p;
  Row first = session.query("SELECT pg_backend_pid(), inet_client_port()")[0];
  p.backend_pid = static_cast<int>(first[0].as_int());
  std::optional<int> ours = session.local_port();
  // Over a Unix socket, or when the server sees our own port, nothing is in between.
  if (!ours || (!first[1].is_null() && first[1].as_int() == *ours)) return p;
  const int other = other_client_pid(url, probe_ms);
  const int again = static_cast<int>(session.query("SELECT pg_backend_pid()")[0][0].as_int());
  if (other == p.backend_pid)
    p.pooled = "another client was handed this session's server process (pid " + std::to_string(other) +
               "): the connection goes through a transaction-mode pooler";
  else if (again != p.backend_pid)
    p.pooled = "this session's server process changed between two transactions (pid " + std::to_string(p.backend_pid) +
               ", then " + std::to_string(again) + "): the connection goes through a transaction-mode pooler";
  return p;
}

Status lock_survives(Db& session, int backend_pid, int class_key, int object_key) {
  Row r = session.query(
      "SELECT pg_backend_pid(), (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
      "AND pid = pg_backend_pid() AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2)",
      {std::to_string(class_key), std::to_string(object_key)})[0];
  if (r[0].as_int() != backend_pid)
    return Error{"the run lock was taken by server process " + std::to_string(backend_pid) +
                     ", but the next transaction ran in " + r[0].str() + ": the connection goes through a transaction-mode pooler",
                 "", kPoolerHint, exit_code::kUsage};
  if (r[1].as_int() != 1)
    return Error{"the run lock did not survive into the next transaction: the connection goes through a transaction-mode "
                 "pooler",
                 "", kPoolerHint, exit_code::kUsage};
  return ok();
}

}  // namespace orch

#pragma once
// Transaction-mode connection poolers (PgBouncer pool_mode=transaction, Supavisor and Supabase's port
// 6543) hand each transaction to whichever server connection is free, so session state (the run's
// advisory lock, SET) does not survive from one transaction to the next. orchestrate relies on that
// state, so it refuses to run behind one, before taking the lock (a lock taken through such a pooler
// stays on a server connection nobody owns).
#include <optional>
#include <string>

#include "util/result.h"

namespace orch {

class Db;

struct SessionProbe {
  int backend_pid = 0;                // the session's server process at the first look
  std::optional<std::string> pooled;  // evidence of transaction pooling, one line; nullopt when none
};

// 1. Two transactions on the session: a different server process between them is proof.
// 2. When something sits between us and the server (the server sees another client port than our
//    socket's), a second connection asks for its server process: being handed our session's is proof.
//    Bounded by `probe_ms`: a session-mode pooler with a full pool makes it wait, which is no evidence.
SessionProbe probe_session(Db& session, const std::string& url, int probe_ms = 3000);

// After taking the lock: same server process as at the probe, and the lock is held there; else why not
// (exit 2: a transaction-mode pooler).
Status lock_survives(Db& session, int backend_pid, int class_key, int object_key);

// What to say and do about it.
extern const char* const kPoolerHint;

}  // namespace orch

#pragma once
// The final phase of `up` (and all of `orchestrate rls`): every RLS file, then every declarative
// policy, in ONE transaction, so a policy script that names a missing table can never leave half its
// policies behind. Then verification: in each `require` schema every table must have RLS enabled (and
// forced when asked) and at least one policy.
#include <functional>

#include "manifest/manifest.h"
#include "rls/rls_result.h"

#include "scheduler/runner.h"

namespace orch {

class Db;
class Tx;

// What the phase does between attempts after a lock timeout ([rls] lock_timeout, lock_retries).
struct RlsRetry {
  std::function<bool(Millis)> sleep;              // false: interrupted; unset: a plain sleep
  std::function<void(const std::string&)> note;   // "RLS phase: lock timeout …; attempt 2 of 9, next in 1.0s"
  std::function<void(const LockWait&)> waiting;   // the same, typed (the event stream reads this, never the note)
};

// Applies files and policies; on failure nothing is applied and the result names file:line. A lock
// timeout rolls the attempt back and tries again after a backoff, naming the blocker.
RlsResult apply_rls(Db& db, const Manifest& m, const RlsRetry& retry = {});

// Reads coverage without changing anything (status, rls --verify, and after apply).
RlsCoverage verify_rls(Db& db, const Manifest& m);

// Every RLS file in application order: [rls].files, then each service's rls files in manifest order.
std::vector<std::pair<std::filesystem::path, std::string>> rls_files(const Manifest& m);

// sha256 of every RLS file's contents and the declarative statements rendered for today's tables.
std::string rls_inputs_sha256(Tx& tx, const Manifest& m);
// sha256 of the policies and RLS flags in the database, in every schema the manifest names.
std::string rls_state_sha256(Tx& tx, const Manifest& m);

// The statements the phase would run, rendered against the tables that exist now (plan --sql).
std::vector<std::string> render_declarative_policies(Tx& tx, const Manifest& m);

// The [rls] files and the services' rls files read and parsed as the RLS phase reads them (UTF-8,
// PostgreSQL's grammar, no transaction control), without a database: `check` reports what `rls` would.
Status check_rls_files(const Manifest& m);

}  // namespace orch

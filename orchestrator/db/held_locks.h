#pragma once
// The table locks a migration's own session holds, read inside its transaction just before it commits
// (rehearse): what PostgreSQL actually granted, not what the SQL text suggests.
#include <string>
#include <vector>

namespace orch {

class Tx;

struct RelationLock {
  std::string schema;
  std::string table;
  std::string mode;  // pg_locks.mode: "AccessExclusiveLock", "ShareLock", ...
};

// The query, one row per (schema, table, mode) this backend holds on a table, materialized view or
// partitioned table of the current database, system schemas excluded. The Alembic driver runs the
// same text (it receives it in the job JSON).
const std::string& held_relation_locks_sql();
std::vector<RelationLock> held_relation_locks(Tx& tx);

// The server-wide catalogues this backend has written in its transaction (roles, memberships, role
// and database settings, databases, tablespaces, their comments): one row per catalogue. In a shadow
// database on the target's own server such a change is not rehearsed but real, so a rehearsal there
// fails the migration before it commits. Shared by the Alembic driver (job JSON), as above.
const std::string& server_object_writes_sql();
std::vector<std::string> server_object_writes(Tx& tx);

}  // namespace orch

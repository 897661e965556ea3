#pragma once
// Catalogue fragments shared by the queries. The one way orchestrate's catalogue queries name "the tables of a schema": ordinary and partitioned
// tables, with `c` (pg_class) and `n` (pg_namespace) as aliases. Views, sequences and foreign tables
// are never a migration's or a policy's concern.
#include <string>

namespace orch::catalog {

// A timestamptz column as ISO 8601 in UTC ("2026-11-30T18:59:58Z"), as reports and history print times.
inline std::string iso_utc(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

// The size functions take an AccessShareLock on the table: behind a migration's ACCESS EXCLUSIVE lock
// (held or queued) they would wait without limit. Such a table's size comes from the catalogue's
// page count instead (as of its last VACUUM, ANALYZE or CREATE INDEX).
inline std::string unblocked_size(const std::string& fn) {
  return "(CASE WHEN EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'relation' AND l.relation = c.oid "
         "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
         "AND l.mode = 'AccessExclusiveLock') THEN c.relpages::bigint * current_setting('block_size')::bigint "
         "ELSE " + fn + "(c.oid) END)";
}

constexpr const char* kTables = "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace";
constexpr const char* kIsTable = "c.relkind IN ('r', 'p')";

}  // namespace orch::catalog

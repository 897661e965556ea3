#include "db/held_locks.h"

#include "db/db.h"

namespace orch {

const std::string& held_relation_locks_sql() {
  static const std::string sql =
      "SELECT n.nspname, c.relname, l.mode FROM pg_locks l "
      "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted "
      "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
      "AND c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname !~ '^pg_' ORDER BY 1, 2, 3";  // no '%': DB-API drivers read it as a placeholder
  return sql;
}

const std::string& server_object_writes_sql() {
  // Two ways to see a write. A role's, a membership's or a setting's keeps its RowExclusiveLock until
  // the commit (reading pg_roles takes AccessShareLock only). A GRANT on a database or tablespace drops
  // its lock at once, so there the rows are read instead: one whose xmin is this transaction's own id.
  // (One written in a subtransaction, a savepoint or a DO block's EXCEPTION clause, has another id and
  // is not seen: docs/rehearse.md.) pg_shdepend is left out: GRANTs on the shadow's own objects write
  // it, and DROP DATABASE removes those rows; so is the shadow's own pg_database row.
  static const std::string sql =
      "WITH me AS (SELECT pg_current_xact_id_if_assigned()::text::bigint AS top), "
      "rows_now AS (SELECT 'pg_database'::text AS relname, d.xmin FROM pg_database d WHERE d.datname <> current_database() "
      "  UNION ALL SELECT 'pg_tablespace', t.xmin FROM pg_tablespace t) "
      // xmin is 32 bits: equal to our xid's low bits. No pg_xact_status: after a wraparound a frozen row's
      // raw xmin can lie "ahead", and asking for a future xid is an error that would fail the migration.
      "SELECT r.relname FROM rows_now r, me WHERE me.top IS NOT NULL AND r.xmin::text::bigint = (me.top & 4294967295) "
      "UNION SELECT c.relname::text FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
      "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.database = 0 "
      "AND c.relname IN ('pg_authid', 'pg_auth_members', 'pg_db_role_setting', 'pg_database', 'pg_tablespace', "
      "'pg_shdescription', 'pg_shseclabel', 'pg_subscription', 'pg_replication_origin') "
      "AND l.mode NOT IN ('AccessShareLock', 'RowShareLock') ORDER BY 1";
  return sql;
}

std::vector<std::string> server_object_writes(Tx& tx) {
  std::vector<std::string> out;
  for (const auto& r : tx.query(server_object_writes_sql())) out.push_back(r[0].str());
  return out;
}

std::vector<RelationLock> held_relation_locks(Tx& tx) {
  std::vector<RelationLock> out;
  for (const auto& r : tx.query(held_relation_locks_sql())) out.push_back({r[0].str(), r[1].str(), r[2].str()});
  return out;
}

}  // namespace orch

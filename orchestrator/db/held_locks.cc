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
  // A write takes RowExclusiveLock or stronger; reading pg_roles takes AccessShareLock only. pg_shdepend
  // is left out: GRANTs on the shadow's own objects write it, and DROP DATABASE removes those rows.
  static const std::string sql =
      "SELECT DISTINCT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
      "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.database = 0 "
      "AND c.relname IN ('pg_authid', 'pg_auth_members', 'pg_db_role_setting', 'pg_database', 'pg_tablespace', "
      "'pg_shdescription', 'pg_shseclabel') "
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

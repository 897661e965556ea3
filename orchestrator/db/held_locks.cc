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

std::vector<RelationLock> held_relation_locks(Tx& tx) {
  std::vector<RelationLock> out;
  for (const auto& r : tx.query(held_relation_locks_sql())) out.push_back({r[0].str(), r[1].str(), r[2].str()});
  return out;
}

}  // namespace orch

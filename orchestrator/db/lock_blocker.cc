#include "db/lock_blocker.h"

#include "db/db.h"

#include <cstdlib>
#include "util/secrets.h"
#include "db/database.h"

namespace orch {

std::string describe_blocker(Db& db, const std::vector<std::string>& schemas) { return find_blocker(db, schemas).text; }

Blocker find_blocker(Db& db, const std::vector<std::string>& schemas) {
  try {
    auto rows = db.query(
        "SELECT a.pid, coalesce(a.usename::text, '?'), coalesce(host(a.client_addr), 'local socket'), "
        "       coalesce(a.state, '?'), coalesce(to_char(now() - a.xact_start, 'HH24:MI:SS'), '?'), "
        "       left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 40), l.relation::regclass::text "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE l.granted AND l.pid <> pg_backend_pid() AND n.nspname = ANY ($1::text[]) "
        "ORDER BY a.xact_start NULLS LAST, c.relkind NOT IN ('r', 'p') LIMIT 1",  // the table, not its index
        {to_pg_array(schemas)});
    if (rows.empty()) return {};
    const Row& r = rows[0];
    // Another user's session shows no host, state or query to a role without pg_read_all_stats.
    if (r[5].str() == "<insufficient privilege>")
      return {std::atoi(r[0].str().c_str()),
              "a lock on " + r[6].str() + " is held by pid " + r[0].str() + " (user " + r[1].str() +
                  "; its host, state and query are hidden from this role: one with pg_read_all_stats, or a superuser, sees them)"};
    return {std::atoi(r[0].str().c_str()),
            "a lock on " + r[6].str() + " is held by pid " + r[0].str() + " (" + r[1].str() + "@" + r[2].str() + ", " +
                r[3].str() + " for " + r[4].str() + ": " + secrets::scrub(r[5].str()) + "…)"};
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace orch

#include "history/run_progress.h"

#include <algorithm>

#include "db/db.h"
#include "db/run_lock.h"
#include "history/schema_version.h"
#include "util/catalog_sql.h"
#include "util/text.h"

namespace orch {

std::optional<RunInProgress> read_run_in_progress(Db& c, const std::string& project, const std::string& target) {
  if (history_schema_version(c) < 2) return std::nullopt;
  // No transaction around the two reads: a round trip less each (status pays them per target), and a
  // step that ends between them is shown ended, which is true.
  auto runs = c.query(
      "SELECT r.run_id, r.command, r.os_user, r.host, " + catalog::iso_utc("r.started_at") + ", "
      "  (extract(epoch FROM now() - r.started_at) * 1000)::bigint, "
      "  (extract(epoch FROM now() - coalesce(r.updated_at, r.started_at)) * 1000)::bigint, "
      "  coalesce(array_to_string(r.planned_services, E'\\n'), ''), "
      "  EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = r.backend_pid "
      "          AND l.classid = $3::int::oid AND l.objid = $4::int::oid AND l.objsubid = 2) "
      "FROM orchestrate.runs r WHERE r.project = $1 AND r.target = $2 AND r.outcome = 'running' "
      "ORDER BY r.started_at DESC LIMIT 1",
      {project, target, std::to_string(RunLock::class_key()), std::to_string(RunLock::object_key(project))},
      TxKind::Autocommit);
  if (runs.empty()) return std::nullopt;
  const Row& row = runs[0];
  RunInProgress r;
  r.run_id = row[0].str();
  r.command = row[1].str();
  r.os_user = row[2].str();
  r.host = row[3].str();
  r.started_at = row[4].str();
  r.elapsed_ms = row[5].as_int();
  r.quiet_ms = row[6].as_int();
  r.alive = row[8].as_bool();
  auto steps = c.query(
      "SELECT service, state, finished_at IS NOT NULL, applied, "
      "  CASE WHEN finished_at IS NOT NULL THEN duration_ms "
      "       ELSE (extract(epoch FROM now() - coalesce(started_at, now())) * 1000)::bigint END, "
      "  coalesce(current_migration, ''), "
      "  coalesce((extract(epoch FROM now() - current_since) * 1000)::bigint, 0), coalesce(waiting_pid, 0), "
      "  coalesce(waiting_on, ''), coalesce(error, '') "
      "FROM orchestrate.run_steps WHERE run_id = $1 ORDER BY started_at NULLS LAST, service",
      {r.run_id});
  for (const auto& s : steps) {
    RunningStep st;
    st.service = s[0].str();
    st.state = s[1].str();
    st.finished = s[2].as_bool();
    st.applied = static_cast<int>(s[3].as_int());
    st.running_ms = s[4].as_int();
    st.current = s[5].str();
    st.current_ms = s[6].as_int();
    st.waiting_pid = static_cast<int>(s[7].as_int());
    st.waiting_on = s[8].str();
    st.error = s[9].str();
    r.steps.push_back(st);
  }
  for (const auto& name : split(row[7].str(), '\n'))
    if (!name.empty() && std::none_of(r.steps.begin(), r.steps.end(), [&](const RunningStep& s) { return s.service == name; }))
      r.pending.push_back(name);
  return r;
}

}  // namespace orch

#include "history/history.h"

#include <pwd.h>
#include <unistd.h>

#include "db/database.h"
#include "history/history_query.h"
#include "history/schema_version.h"
#include "util/identity.h"
#include "db/db.h"
#include "util/secrets.h"
#include "util/catalog_sql.h"
#include "util/text.h"

namespace orch {

namespace {

using catalog::iso_utc;

}  // namespace

RunRecord current_run_record(const std::string& run_id, const std::string& project, const std::string& target,
                             const std::string& command, const std::string& checksum) {
  RunRecord r;
  r.run_id = run_id;
  r.project = project;
  r.target = target;
  r.command = command;
  r.os_user = history_user_name();  // WHO prints os_user@host: the host only once
  r.host = host_name();
  r.version = ORCHESTRATE_VERSION;
  r.manifest_checksum = checksum;
  return r;
}

void ensure_history_schema(Db& c) { upgrade_history_schema(c); }

std::vector<std::string> mark_abandoned_runs(Db& c, const std::string& project) {
  std::vector<std::string> ids;
  for (const auto& row : c.query("UPDATE orchestrate.runs SET outcome = 'abandoned' "
                                 "WHERE project = $1 AND outcome = 'running' RETURNING run_id",
                                 {project}, TxKind::Autocommit))  // one statement: atomic alone, one round trip
    ids.push_back(row[0].str());
  return ids;
}

std::string takeover_run_id(Db& c, const std::string& run_id) {
  long long n = std::stoll(c.scalar("SELECT count(*) FROM orchestrate.runs WHERE starts_with(run_id, $1 || '-takeover')",
                                    {run_id}));
  return run_id + "-takeover" + (n == 0 ? std::string() : std::to_string(n + 1));
}

void record_run_start(Db& c, const RunRecord& r) {
  c.query(
      "INSERT INTO orchestrate.runs (run_id, project, target, command, os_user, host, orchestrate_version, "
      "manifest_sha256, backend_pid, planned_services, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, pg_backend_pid(), $9::text[], now())",
      {r.run_id, r.project, r.target, r.command, r.os_user, r.host, r.version, r.manifest_checksum,
       to_pg_array(r.planned_services)},
      TxKind::Autocommit);
}

void record_run_end(Db& c, const RunReport& report, const std::string& outcome) {
  // Every service's step and the run's row in ONE statement (a data-modifying CTE is atomic, like a
  // transaction): one round trip however many services ran, where a fleet's no-op run counts them.
  std::vector<std::string> name, runner, schema, before, after, applied, duration, state, error, lock_timeouts;
  for (const auto& s : report.services) {
    const RunResult& r = s.result;
    name.push_back(s.name);
    runner.push_back(s.runner);
    schema.push_back(s.schema);
    before.push_back(to_pg_array(r.before));
    after.push_back(to_pg_array(r.after));
    applied.push_back(std::to_string(r.applied));
    duration.push_back(std::to_string(r.duration.count()));
    state.push_back(r.outcome == Outcome::Skipped ? "skipped (" + r.reason + ")" : to_string(r.outcome));
    error.push_back(secrets::scrub(r.error));
    lock_timeouts.push_back(std::to_string(r.lock_timeouts));
  }
  std::string rls_detail = report.rls.reason;
  if (rls_detail.empty() && report.rls.coverage.checked)
    rls_detail = std::to_string(report.rls.coverage.uncovered.size()) + " uncovered of " +
                 std::to_string(report.rls.coverage.tables_checked) + " tables";
  c.query(
      "WITH steps AS ("
      "INSERT INTO orchestrate.run_steps (run_id, service, runner, schema_name, before_revisions, after_revisions, "
      "applied, duration_ms, state, error, lock_timeouts, finished_at, started_at) "
      "SELECT $1, s.name, s.runner, s.schema, s.before::text[], s.after::text[], s.applied::int, s.duration::bigint, "
      "       s.state, NULLIF(s.error, ''), s.lock_timeouts::int, now(), now() - s.duration::bigint * interval '1 ms' "
      "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
      "            $10::text[], $11::text[]) AS s(name, runner, schema, before, after, applied, duration, state, error, "
      "                                           lock_timeouts) "
      // The progress writer wrote the step when its service started: the end overwrites it.
      "ON CONFLICT (run_id, service) DO UPDATE SET before_revisions = EXCLUDED.before_revisions, "
      "  after_revisions = EXCLUDED.after_revisions, applied = EXCLUDED.applied, duration_ms = EXCLUDED.duration_ms, "
      "  state = EXCLUDED.state, error = EXCLUDED.error, lock_timeouts = EXCLUDED.lock_timeouts, "
      "  finished_at = now(), current_migration = NULL, waiting_pid = NULL, waiting_on = NULL, updated_at = now() "
      "RETURNING 1) "
      "UPDATE orchestrate.runs SET finished_at = now(), updated_at = now(), outcome = $12, rls_state = $13, "
      "rls_detail = NULLIF($14, ''), rls_inputs_sha256 = NULLIF($15, ''), rls_state_sha256 = NULLIF($16, ''), "
      "rls_attempts = NULLIF($17::int, 0) "
      "WHERE run_id = $1",
      {report.run_id, to_pg_array(name), to_pg_array(runner), to_pg_array(schema), to_pg_array(before),
       to_pg_array(after), to_pg_array(applied), to_pg_array(duration), to_pg_array(state), to_pg_array(error),
       to_pg_array(lock_timeouts), outcome, std::string(to_string(report.rls.state)), secrets::scrub(rls_detail),
       report.rls.inputs_sha256, report.rls.state_sha256, std::to_string(report.rls.attempts)},
      TxKind::Autocommit);
}

std::optional<RlsFingerprint> last_rls_fingerprint(Db& c, const std::string& project,
                                                   const std::string& target) {
  auto r = c.query(
      "SELECT run_id, rls_inputs_sha256, rls_state_sha256 FROM orchestrate.runs "
      "WHERE project = $1 AND target = $2 AND rls_state = 'applied' AND rls_inputs_sha256 IS NOT NULL "
      "ORDER BY started_at DESC LIMIT 1",
      {project, target});
  if (r.empty()) return std::nullopt;
  return RlsFingerprint{r[0][0].str(), r[0][1].str(), r[0][2].str()};
}

std::vector<RunRow> list_runs(Db& c, const std::string& project, int limit) {
  HistoryFilter f;
  f.limit = limit;
  return list_runs(c, project, f);
}

std::map<std::string, LastStep> last_steps(Db& c, const std::string& project) {
  std::map<std::string, LastStep> out;
  // One round trip, no transaction: status pays each one per target, a fleet's status thousands of
  // times. A database no run has touched has no history tables (as history_schema_version reads it).
  Rows rows;
  try {
    rows = c.query(
      "SELECT DISTINCT ON (s.service) s.service, s.run_id, s.state, "
      "       " + iso_utc("s.finished_at") + ", s.applied, coalesce(s.error, ''), "
      "       coalesce((SELECT " + iso_utc("max(a.finished_at)") + " "
      "                 FROM orchestrate.run_steps a JOIN orchestrate.runs ar ON ar.run_id = a.run_id "
      "                 WHERE a.service = s.service AND a.applied > 0 AND ar.project = $1), '') "
      "FROM orchestrate.run_steps s JOIN orchestrate.runs r ON r.run_id = s.run_id "
      "WHERE r.project = $1 AND s.finished_at IS NOT NULL ORDER BY s.service, s.finished_at DESC",
      {project}, TxKind::Autocommit);
  } catch (const DbError& e) {
    if (e.sqlstate() != "42P01" && e.sqlstate() != "3F000") throw;  // undefined table or schema
    return out;
  }
  for (const auto& row : rows) {
    LastStep l;
    l.run_id = row[1].str();
    l.state = row[2].str();
    l.finished_at = row[3].str();
    l.applied = static_cast<int>(row[4].as_int());
    l.error = row[5].str();
    l.last_applied_at = row[6].str();
    out[row[0].str()] = l;
  }
  return out;
}

}  // namespace orch

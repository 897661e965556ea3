#include "history/history_query.h"

#include <algorithm>

#include "db/database.h"
#include "db/db.h"
#include "history/schema_version.h"
#include "util/catalog_sql.h"
#include "util/text.h"

namespace orch {

namespace {

using catalog::iso_utc;

std::string since_clause(const std::string& column, const HistoryFilter& f, Params& p) {
  if (f.since_ms > 0) {
    p.push_back(std::to_string(f.since_ms));
    return " AND " + column + " >= now() - $" + std::to_string(p.size()) + "::bigint * interval '1 ms'";
  }
  if (!f.since_time.empty()) {
    p.push_back(f.since_time);
    return " AND " + column + " >= $" + std::to_string(p.size()) + "::timestamptz";
  }
  return "";
}

// The run rows; `where` adds conditions on r (parameters from $2 on, in `p`).
std::vector<RunRow> query_runs(Tx& tx, const std::string& where, const Params& p, int limit) {
  Params params = p;
  params.push_back(std::to_string(limit));
  auto rows = tx.query(
      "SELECT r.run_id, r.project, r.target, r.command, r.os_user, r.host, r.orchestrate_version, r.outcome, "
      "       " + iso_utc("r.started_at") + ", coalesce(" + iso_utc("r.finished_at") + ", ''), "
      "       coalesce((extract(epoch FROM r.finished_at - r.started_at) * 1000)::bigint, 0), "
      "       count(s.service), coalesce(sum(s.applied), 0), "
      "       count(*) FILTER (WHERE s.state = 'failed'), count(*) FILTER (WHERE s.state LIKE 'skipped%'), "
      "       count(*) FILTER (WHERE s.state = 'applied') "
      "FROM orchestrate.runs r LEFT JOIN orchestrate.run_steps s ON s.run_id = r.run_id "
      "WHERE r.project = $1" + where + " GROUP BY r.run_id ORDER BY r.started_at DESC LIMIT $" +
          std::to_string(params.size()),
      params);
  std::vector<RunRow> out;
  for (const auto& row : rows) {
    RunRow r;
    r.run_id = row[0].str();
    r.project = row[1].str();
    r.target = row[2].str();
    r.command = row[3].str();
    r.os_user = row[4].str();
    r.host = row[5].str();
    r.version = row[6].str();
    r.outcome = row[7].str();
    r.started_at = row[8].str();
    r.finished_at = row[9].str();
    r.duration_ms = row[10].as_int();
    r.services = static_cast<int>(row[11].as_int());
    r.applied = static_cast<int>(row[12].as_int());
    r.failed = static_cast<int>(row[13].as_int());
    r.skipped = static_cast<int>(row[14].as_int());
    r.changed = static_cast<int>(row[15].as_int());
    out.push_back(r);
  }
  return out;
}

std::vector<MigrationRow> query_migrations(Tx& tx, const std::string& where, const Params& p, int limit) {
  Params params = p;
  params.push_back(std::to_string(limit));
  auto rows = tx.query(
      "SELECT m.run_id, r.target, r.command, r.os_user || '@' || r.host, m.service, m.migration, "
      "       coalesce(m.from_revision, ''), coalesce(m.file, ''), coalesce(m.checksum, ''), " +
          iso_utc("m.started_at") + ", m.outcome, coalesce(m.error, ''), m.seq, m.lock_timeouts, "
      "       coalesce(m.duration_ms, -1) "
      "FROM orchestrate.run_migrations m JOIN orchestrate.runs r ON r.run_id = m.run_id "
      "WHERE r.project = $1" + where + " ORDER BY m.started_at DESC, m.seq DESC LIMIT $" + std::to_string(params.size()),
      params);
  std::vector<MigrationRow> out;
  for (const auto& row : rows) {
    MigrationRow m;
    m.run_id = row[0].str();
    m.target = row[1].str();
    m.command = row[2].str();
    m.who = row[3].str();
    m.service = row[4].str();
    m.migration = row[5].str();
    m.from = row[6].str();
    m.file = row[7].str();
    m.checksum = row[8].str();
    m.started_at = row[9].str();
    m.outcome = row[10].str();
    m.error = row[11].str();
    m.seq = static_cast<int>(row[12].as_int());
    m.lock_timeouts = static_cast<int>(row[13].as_int());
    m.duration_ms = row[14].as_int();
    out.push_back(m);
  }
  return out;
}

bool has_runs(Tx& tx) { return tx.query("SELECT to_regclass('orchestrate.runs') IS NOT NULL")[0][0].as_bool(); }

}  // namespace

std::vector<RunRow> list_runs(Db& c, const std::string& project, const HistoryFilter& f) {
  auto tx = c.begin(TxKind::ReadOnly);
  if (!has_runs(*tx)) return {};
  Params p{project};
  std::string where = since_clause("r.started_at", f, p);
  if (f.failed_only)
    where += " AND (r.outcome IN ('failed', 'abandoned', 'interrupted') OR EXISTS (SELECT 1 FROM orchestrate.run_steps "
             "f WHERE f.run_id = r.run_id AND f.state = 'failed'))";
  return query_runs(*tx, where, p, f.limit);
}

std::optional<RunDetail> read_run(Db& c, const std::string& project, const std::string& run_id) {
  int version = history_schema_version(c);
  if (version == 0) return std::nullopt;
  auto tx = c.begin(TxKind::ReadOnly);
  auto runs = query_runs(*tx, " AND r.run_id = $2", {project, run_id}, 1);
  if (runs.empty()) return std::nullopt;
  RunDetail d;
  d.run = runs[0];
  std::string started = version >= 2 ? "coalesce(" + iso_utc("started_at") + ", '')" : "''";
  auto steps = tx->query(
      "SELECT service, runner, state, coalesce(error, ''), " + started + ", coalesce(" + iso_utc("finished_at") +
          ", ''), array_to_string(before_revisions, '+'), array_to_string(after_revisions, '+'), applied, "
          "lock_timeouts, duration_ms "
          "FROM orchestrate.run_steps WHERE run_id = $1 ORDER BY " +
          (version >= 2 ? "started_at NULLS LAST, " : std::string()) + "finished_at, service",
      {run_id});
  for (const auto& row : steps) {
    StepRow s;
    s.service = row[0].str();
    s.runner = row[1].str();
    s.state = row[2].str();
    s.error = row[3].str();
    s.started_at = row[4].str();
    s.finished_at = row[5].str();
    if (!row[6].str().empty()) s.before = split(row[6].str(), '+');
    if (!row[7].str().empty()) s.after = split(row[7].str(), '+');
    s.applied = static_cast<int>(row[8].as_int());
    s.lock_timeouts = static_cast<int>(row[9].as_int());
    s.duration_ms = row[10].as_int();
    d.steps.push_back(s);
  }
  if (version >= 2) {
    d.migrations = query_migrations(*tx, " AND m.run_id = $2", {project, run_id}, 100000);
    std::reverse(d.migrations.begin(), d.migrations.end());  // in the order they ran
  }
  tx->commit();
  return d;
}

std::vector<MigrationRow> service_migrations(Db& c, const std::string& project, const std::string& service,
                                             const HistoryFilter& f) {
  if (history_schema_version(c) < 2) return {};
  auto tx = c.begin(TxKind::ReadOnly);
  Params p{project, service};
  std::string where = " AND m.service = $2" + since_clause("m.started_at", f, p);
  if (f.failed_only) where += " AND m.outcome = 'failed'";
  return query_migrations(*tx, where, p, f.limit);
}

}  // namespace orch

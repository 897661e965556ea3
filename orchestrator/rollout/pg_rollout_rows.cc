#include "rollout/pg_rollout_rows.h"

#include <vector>

#include "db/database.h"
#include "db/db.h"
#include "rollout/rollout_shape.h"
#include "rollout/rollout_store.h"
#include "util/catalog_sql.h"
#include "util/exit_codes.h"

namespace orch {

namespace {

std::string iso(const std::string& column) { return "coalesce(" + catalog::iso_utc(column) + ", '')"; }

constexpr const char* kTables =
    "CREATE SCHEMA IF NOT EXISTS orchestrate_rollout;"
    "CREATE TABLE IF NOT EXISTS orchestrate_rollout.schema_version (version int NOT NULL);"
    "CREATE TABLE IF NOT EXISTS orchestrate_rollout.rollouts ("
    "  run_id text PRIMARY KEY, project text NOT NULL, fingerprint text NOT NULL, shape jsonb NOT NULL,"
    "  attempt int NOT NULL DEFAULT 1, outcome text NOT NULL DEFAULT 'running',"
    "  halted_reason text NOT NULL DEFAULT '', created_by text NOT NULL,"
    "  started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz);"
    "CREATE TABLE IF NOT EXISTS orchestrate_rollout.waves ("
    "  run_id text NOT NULL REFERENCES orchestrate_rollout.rollouts ON DELETE CASCADE, wave int NOT NULL,"
    "  name text NOT NULL, max_parallel int NOT NULL, max_failures int NOT NULL, PRIMARY KEY (run_id, wave));"
    "CREATE TABLE IF NOT EXISTS orchestrate_rollout.targets ("
    "  run_id text NOT NULL, wave int NOT NULL, position int NOT NULL, name text NOT NULL,"
    "  state text NOT NULL DEFAULT 'pending', detail text NOT NULL DEFAULT '', worker text,"
    "  runs int NOT NULL DEFAULT 0, history_run_id text, duration_ms bigint NOT NULL DEFAULT 0,"
    "  started_at timestamptz, finished_at timestamptz, PRIMARY KEY (run_id, wave, position),"
    "  FOREIGN KEY (run_id, wave) REFERENCES orchestrate_rollout.waves ON DELETE CASCADE);"
    "CREATE TABLE IF NOT EXISTS orchestrate_rollout.target_services ("
    "  run_id text NOT NULL, wave int NOT NULL, position int NOT NULL, service text NOT NULL, state text NOT NULL,"
    "  PRIMARY KEY (run_id, wave, position, service),"
    "  FOREIGN KEY (run_id, wave, position) REFERENCES orchestrate_rollout.targets ON DELETE CASCADE);"
    // version 2
    "ALTER TABLE orchestrate_rollout.targets ADD COLUMN IF NOT EXISTS orphan_since timestamptz,"
    "  ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz;"
    // version 3: the targets still to claim or take over, so a claim skips no ended rows (the primary
    // key's order would walk past every finished target of the wave: O(targets) per claim)
    "CREATE INDEX IF NOT EXISTS targets_open ON orchestrate_rollout.targets (run_id, wave, position) "
    "  WHERE state IN ('pending', 'running');";

}  // namespace

Status ensure_rollout_schema(Db& db) {
  auto tx = db.begin();
  tx->query("SELECT pg_advisory_xact_lock(hashtext('orchestrate_rollout'), 0)");
  if (tx->query("SELECT to_regclass('orchestrate_rollout.schema_version') IS NOT NULL")[0][0].as_bool()) {
    long long v = tx->query("SELECT coalesce(max(version), 0) FROM orchestrate_rollout.schema_version")[0][0].as_int();
    if (v > kRolloutSchemaVersion)
      return Error{"the rollout state database has schema version " + std::to_string(v) + "; this orchestrate knows " +
                       std::to_string(kRolloutSchemaVersion) + " (it is older than the workers that made the rollout)",
                   "orchestrate_rollout", "run every worker from the same release, or a newer orchestrate", exit_code::kUsage};
    if (v == kRolloutSchemaVersion) return ok();
  }
  tx->exec(kTables);
  tx->query("DELETE FROM orchestrate_rollout.schema_version");
  tx->query("INSERT INTO orchestrate_rollout.schema_version VALUES ($1::int)", {std::to_string(kRolloutSchemaVersion)});
  tx->commit();
  return ok();
}

namespace rollout_rows {

void lock_run(Tx& tx, const std::string& run_id) {
  tx.query("SELECT pg_advisory_xact_lock(hashtext('orchestrate_rollout'), hashtext($1))", {run_id});
}

std::string claim_key(size_t wave, size_t position) { return std::to_string(wave * 65536 + position); }

std::string interval(Millis d) { return std::to_string(d.count()) + " milliseconds"; }

RolloutState read_state(Tx& tx, const std::string& run_id) {
  RolloutState st;
  Rows r = tx.query("SELECT project, " + iso("started_at") + ", " + iso("finished_at") +
                        ", outcome, halted_reason, attempt FROM orchestrate_rollout.rollouts WHERE run_id = $1",
                    {run_id});
  if (r.empty()) return st;
  st.run_id = run_id;
  st.project = r[0][0].str();
  st.started_at = r[0][1].str();
  st.finished_at = r[0][2].str();
  st.outcome = rollout_outcome_from(r[0][3].str(), "rollout " + run_id + " in the state database");
  st.halted_reason = r[0][4].str();
  st.attempt = static_cast<int>(r[0][5].as_int());
  for (const auto& w : tx.query("SELECT name, max_parallel, max_failures FROM orchestrate_rollout.waves "
                                "WHERE run_id = $1 ORDER BY wave",
                                {run_id})) {
    WaveOutcome wo;
    wo.name = w[0].str();
    wo.max_parallel = static_cast<int>(w[1].as_int());
    wo.max_failures = static_cast<int>(w[2].as_int());
    st.waves.push_back(wo);
  }
  for (const auto& t : tx.query("SELECT wave, name, state, detail, coalesce(worker, ''), coalesce(history_run_id, ''), "
                                "duration_ms, " + iso("started_at") + ", "
                                "coalesce((extract(epoch FROM now() - heartbeat_at) * 1000)::bigint, -1) "
                                "FROM orchestrate_rollout.targets WHERE run_id = $1 ORDER BY wave, position",
                                {run_id})) {
    TargetOutcome to;
    to.name = t[1].str();
    to.state = target_state_from(t[2].str(), "target " + to.name + " in the state database");
    to.detail = t[3].str();
    to.worker = t[4].str();
    to.history_run_id = t[5].str();
    to.duration_ms = t[6].as_int();
    to.started_at = t[7].str();
    to.heard_ms_ago = t[8].as_int();
    size_t w = static_cast<size_t>(t[0].as_int());
    if (w < st.waves.size()) st.waves[w].targets.push_back(to);
  }
  for (const auto& s : tx.query("SELECT wave, position, service, state FROM orchestrate_rollout.target_services "
                                "WHERE run_id = $1",
                                {run_id})) {
    size_t w = static_cast<size_t>(s[0].as_int()), p = static_cast<size_t>(s[1].as_int());
    if (w < st.waves.size() && p < st.waves[w].targets.size()) st.waves[w].targets[p].services[s[2].str()] = s[3].str();
  }
  return st;
}

void create(Tx& tx, const RolloutState& st, const nlohmann::json& shape, const std::string& worker) {
  tx.query("INSERT INTO orchestrate_rollout.rollouts (run_id, project, fingerprint, shape, created_by) "
           "VALUES ($1, $2, $3, $4::jsonb, $5)",
           {st.run_id, st.project, shape_fingerprint(shape), shape.dump(), worker});
  std::vector<std::string> wv, wn, wp, wf, tw, tp, tn;
  for (size_t w = 0; w < st.waves.size(); ++w) {
    wv.push_back(std::to_string(w));
    wn.push_back(st.waves[w].name);
    wp.push_back(std::to_string(st.waves[w].max_parallel));
    wf.push_back(std::to_string(st.waves[w].max_failures));
    for (size_t i = 0; i < st.waves[w].targets.size(); ++i) {
      tw.push_back(std::to_string(w));
      tp.push_back(std::to_string(i));
      tn.push_back(st.waves[w].targets[i].name);
    }
  }
  tx.query("INSERT INTO orchestrate_rollout.waves (run_id, wave, name, max_parallel, max_failures) "
           "SELECT $1, w::int, n, p::int, f::int FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS x(w, n, p, f)",
           {st.run_id, to_pg_array(wv), to_pg_array(wn), to_pg_array(wp), to_pg_array(wf)});
  tx.query("INSERT INTO orchestrate_rollout.targets (run_id, wave, position, name) "
           "SELECT $1, w::int, p::int, n FROM unnest($2::text[], $3::text[], $4::text[]) AS x(w, p, n)",
           {st.run_id, to_pg_array(tw), to_pg_array(tp), to_pg_array(tn)});
}

Claim claim_state(Tx& tx, const std::string& run_id, size_t wave, size_t position, Millis takeover_after) {
  if (!tx.query("SELECT pg_try_advisory_xact_lock(hashtext($1), $2::int)", {run_id, claim_key(wave, position)})[0][0]
           .as_bool())
    return Claim::Held;
  Rows r = tx.query("UPDATE orchestrate_rollout.targets SET orphan_since = coalesce(orphan_since, now()) "
                    "WHERE run_id = $1 AND wave = $2::int AND position = $3::int AND state = 'running' "
                    "RETURNING now() - orphan_since >= $4::interval",
                    {run_id, std::to_string(wave), std::to_string(position), interval(takeover_after)});
  if (r.empty()) return Claim::Held;  // it ended meanwhile: nothing to take over
  return r[0][0].as_bool() ? Claim::Fell : Claim::FellRecently;
}

namespace {

// Writes what settle decided: the targets it closed, the recounted halt reason, the outcome.
void write_closed(Tx& tx, const std::string& run_id, const RolloutState& before, const RolloutState& st) {
  std::vector<std::string> ws, ps, ds;
  for (size_t w = 0; w < st.waves.size(); ++w)
    for (size_t i = 0; i < st.waves[w].targets.size(); ++i)
      if (st.waves[w].targets[i].state != before.waves[w].targets[i].state) {
        ws.push_back(std::to_string(w));
        ps.push_back(std::to_string(i));
        ds.push_back(st.waves[w].targets[i].detail);
      }
  tx.query("UPDATE orchestrate_rollout.targets t SET state = 'not-reached', detail = x.d, orphan_since = NULL "
           "FROM unnest($2::text[], $3::text[], $4::text[]) AS x(w, p, d) "
           "WHERE t.run_id = $1 AND t.wave = x.w::int AND t.position = x.p::int",
           {run_id, to_pg_array(ws), to_pg_array(ps), to_pg_array(ds)});
  tx.query("UPDATE orchestrate_rollout.rollouts SET outcome = $2, halted_reason = $3, finished_at = now() WHERE run_id = $1",
           {run_id, to_string(st.outcome), st.halted_reason});
}

}  // namespace

Settle settle(Tx& tx, const std::string& run_id, const std::set<TargetKey>& mine, Millis takeover_after,
              RolloutState& st) {
  lock_run(tx, run_id);
  st = read_state(tx, run_id);
  if (st.run_id.empty() || st.outcome != RolloutOutcome::Running) return Settle::Closed;
  bool live = false, recent = false, all_ended = true;
  std::vector<TargetKey> fell;
  for (size_t w = 0; w < st.waves.size(); ++w)
    for (size_t i = 0; i < st.waves[w].targets.size(); ++i) {
      const TargetState state = st.waves[w].targets[i].state;
      if (ended(state)) continue;
      all_ended = false;
      if (state != TargetState::Running) continue;
      if (mine.count({w, i})) {
        live = true;
        continue;
      }
      switch (claim_state(tx, run_id, w, i, takeover_after)) {
        case Claim::Held: live = true; break;
        case Claim::FellRecently: recent = true; break;
        case Claim::Fell: fell.push_back({w, i}); break;
      }
    }
  if (live || (st.halted_reason.empty() && !all_ended)) return Settle::Running;
  if (recent) return Settle::Waiting;
  const RolloutState before = st;
  recount_halt_reason(st);
  for (const auto& [w, i] : fell) {
    TargetOutcome& t = st.waves[w].targets[i];
    t.state = TargetState::NotReached;
    t.detail = "its worker " + (t.worker.empty() ? std::string("(unknown)") : t.worker) +
               " was lost while it ran, and the rollout had halted: " + st.halted_reason;
  }
  close_rollout(st, false);
  write_closed(tx, run_id, before, st);
  return Settle::Closed;
}

}  // namespace rollout_rows
}  // namespace orch

#include "rollout/pg_rollout_store.h"

#include "db/database.h"
#include "db/db.h"
#include "rollout/rollout_shape.h"
#include "util/catalog_sql.h"
#include "util/clock_text.h"
#include "util/text.h"

namespace orch {

namespace {

std::string iso(const std::string& column) { return "coalesce(" + catalog::iso_utc(column) + ", '')"; }

// Every worker of a run serialises creation and finalisation on this transaction lock.
void lock_run(Tx& tx, const std::string& run_id) {
  tx.query("SELECT pg_advisory_xact_lock(hashtext('orchestrate_rollout'), hashtext($1))", {run_id});
}

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
  st.outcome = r[0][3].str();
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
                                "duration_ms FROM orchestrate_rollout.targets WHERE run_id = $1 ORDER BY wave, position",
                                {run_id})) {
    TargetOutcome to;
    to.name = t[1].str();
    to.state = t[2].str();
    to.detail = t[3].str();
    to.worker = t[4].str();
    to.history_run_id = t[5].str();
    to.duration_ms = t[6].as_int();
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

}  // namespace

Status ensure_rollout_schema(Db& db) {
  auto tx = db.begin();
  tx->query("SELECT pg_advisory_xact_lock(hashtext('orchestrate_rollout'), 0)");
  if (tx->query("SELECT to_regclass('orchestrate_rollout.schema_version') IS NOT NULL")[0][0].as_bool()) {
    long long v = tx->query("SELECT coalesce(max(version), 0) FROM orchestrate_rollout.schema_version")[0][0].as_int();
    if (v > kRolloutSchemaVersion)
      return Error{"the rollout state database has schema version " + std::to_string(v) + "; this orchestrate knows " +
                       std::to_string(kRolloutSchemaVersion),
                   "orchestrate_rollout", "run a newer orchestrate", 2};
    if (v == kRolloutSchemaVersion) return ok();
  }
  tx->exec(
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
      "  FOREIGN KEY (run_id, wave, position) REFERENCES orchestrate_rollout.targets ON DELETE CASCADE);");
  tx->query("DELETE FROM orchestrate_rollout.schema_version");
  tx->query("INSERT INTO orchestrate_rollout.schema_version VALUES ($1::int)", {std::to_string(kRolloutSchemaVersion)});
  tx->commit();
  return ok();
}

PgRolloutStore::PgRolloutStore(std::unique_ptr<Db> db, std::string run_id, std::string worker)
    : db_(std::move(db)), run_id_(std::move(run_id)), worker_(std::move(worker)) {}

Result<std::unique_ptr<PgRolloutStore>> PgRolloutStore::open(std::unique_ptr<Db> db, const RolloutState& initial,
                                                             const nlohmann::json& shape, const std::string& worker,
                                                             bool resume) {
  if (auto st = ensure_rollout_schema(*db); !st) return st.error();
  auto store = std::make_unique<PgRolloutStore>(std::move(db), initial.run_id, worker);
  auto tx = store->db_->begin();
  lock_run(*tx, initial.run_id);
  Rows found = tx->query("SELECT shape::text, outcome FROM orchestrate_rollout.rollouts WHERE run_id = $1", {initial.run_id});
  if (found.empty()) {
    if (resume) return Error{"no rollout " + initial.run_id + " in the state database", "--resume", "", 2};
    create(*tx, initial, shape, worker);
    store->created_ = true;
  } else {
    auto theirs = nlohmann::json::parse(found[0][0].str());
    if (auto diff = shape_differences(shape, theirs); !diff.empty())
      return Error{"this worker's manifest differs from rollout " + initial.run_id + "'s: " + join(diff, "; "),
                   "--run-id " + initial.run_id, "run every worker from the same release (image, manifest and targets)", 2};
    // --resume reopens an ended rollout once: the first resumer flips it to running, the others join.
    if (resume && found[0][1].str() != "running") {
      tx->query("UPDATE orchestrate_rollout.targets SET state = 'pending', detail = '' "
                "WHERE run_id = $1 AND state <> 'succeeded'", {initial.run_id});
      tx->query("UPDATE orchestrate_rollout.rollouts SET outcome = 'running', halted_reason = '', finished_at = NULL, "
                "attempt = attempt + 1 WHERE run_id = $1", {initial.run_id});
    }
  }
  tx->commit();
  return store;
}

Result<RolloutState> PgRolloutStore::read(Db& db, const std::string& run_id) {
  auto tx = db.begin(TxKind::ReadOnly);
  if (!tx->query("SELECT to_regclass('orchestrate_rollout.rollouts') IS NOT NULL")[0][0].as_bool())
    return Error{"the state database holds no rollouts yet", run_id, "", 2};
  RolloutState st = read_state(*tx, run_id);
  if (st.run_id.empty()) return Error{"no rollout " + run_id + " in the state database", run_id, "", 2};
  return st;
}

std::optional<size_t> PgRolloutStore::claim(size_t wave) {
  std::lock_guard<std::mutex> lock(mu_);
  Db& db = *db_;
  Rows halted = db.query("SELECT halted_reason <> '' FROM orchestrate_rollout.rollouts WHERE run_id = $1", {run_id_});
  if (halted.empty() || halted[0][0].as_bool()) return std::nullopt;
  // Pending first; a running target whose lock is free lost its worker and is taken over.
  Rows open = db.query("SELECT position FROM orchestrate_rollout.targets WHERE run_id = $1 AND wave = $2::int "
                       "AND state IN ('pending', 'running') ORDER BY state = 'running', position",
                       {run_id_, std::to_string(wave)});
  for (const auto& row : open) {
    const size_t pos = static_cast<size_t>(row[0].as_int());
    if (mine_.count({wave, pos})) continue;  // this connection's own claim: the lock would stack
    const std::string key = std::to_string(wave * 65536 + pos);
    if (!db.query("SELECT pg_try_advisory_lock(hashtext($1), $2::int)", {run_id_, key})[0][0].as_bool()) continue;
    Rows got = db.query("UPDATE orchestrate_rollout.targets SET state = 'running', worker = $4, runs = runs + 1, "
                        "started_at = now(), detail = '' WHERE run_id = $1 AND wave = $2::int AND position = $3::int "
                        "AND state IN ('pending', 'running') RETURNING position",
                        {run_id_, std::to_string(wave), std::to_string(pos), worker_});
    if (got.empty()) {  // it ended between the two reads
      db.query("SELECT pg_advisory_unlock(hashtext($1), $2::int)", {run_id_, key});
      continue;
    }
    mine_.insert({wave, pos});
    return pos;
  }
  return std::nullopt;
}

void PgRolloutStore::finish(size_t wave, size_t index, const TargetOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  // A worker stopped mid-target (SIGTERM, eviction) leaves it for another worker to take over.
  TargetOutcome t = outcome;
  if (t.state == "interrupted") {
    t.state = "pending";
    t.detail = "interrupted on " + worker_ + "; another worker takes it over";
  }
  std::vector<std::string> names, states;
  for (const auto& [k, v] : t.services) names.push_back(k), states.push_back(v);
  {
    auto tx = db_->begin();
    const Params where = {run_id_, std::to_string(wave), std::to_string(index)};
    tx->query("UPDATE orchestrate_rollout.targets SET state = $4, detail = $5, history_run_id = $6, duration_ms = $7::bigint, "
              "finished_at = now() WHERE run_id = $1 AND wave = $2::int AND position = $3::int",
              {run_id_, std::to_string(wave), std::to_string(index), t.state, t.detail, t.history_run_id,
               std::to_string(t.duration_ms)});
    tx->query("DELETE FROM orchestrate_rollout.target_services WHERE run_id = $1 AND wave = $2::int AND position = $3::int",
              where);
    tx->query("INSERT INTO orchestrate_rollout.target_services (run_id, wave, position, service, state) "
              "SELECT $1, $2::int, $3::int, s, st FROM unnest($4::text[], $5::text[]) AS x(s, st)",
              {run_id_, std::to_string(wave), std::to_string(index), to_pg_array(names), to_pg_array(states)});
    tx->commit();
  }
  db_->query("SELECT pg_advisory_unlock(hashtext($1), $2::int)", {run_id_, std::to_string(wave * 65536 + index)});
  mine_.erase({wave, index});
}

RolloutState PgRolloutStore::snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  auto tx = db_->begin(TxKind::ReadOnly);
  return read_state(*tx, run_id_);
}

void PgRolloutStore::halt(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  db_->query("UPDATE orchestrate_rollout.rollouts SET halted_reason = $2 WHERE run_id = $1 AND halted_reason = ''",
             {run_id_, reason});
}

// The last worker out closes the rollout: while another worker still runs a target, it does.
RolloutState PgRolloutStore::end(bool interrupted) {
  std::lock_guard<std::mutex> lock(mu_);
  auto tx = db_->begin();
  lock_run(*tx, run_id_);
  RolloutState st = read_state(*tx, run_id_);
  if (interrupted || st.outcome != "running") return st;
  bool running = false, all_ended = true;
  for (const auto& w : st.waves) {
    running = running || w.count("running") > 0;
    all_ended = all_ended && wave_ended(w);
  }
  if (running || (!all_ended && st.halted_reason.empty())) return st;
  close_rollout(st, false);
  tx->query("UPDATE orchestrate_rollout.targets SET state = 'not-reached', detail = $2 "
            "WHERE run_id = $1 AND state = 'pending'", {run_id_, st.halted_reason});
  tx->query("UPDATE orchestrate_rollout.rollouts SET outcome = $2, finished_at = now() WHERE run_id = $1",
            {run_id_, st.outcome});
  tx->commit();
  return st;
}

}  // namespace orch

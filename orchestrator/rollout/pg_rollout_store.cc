#include "rollout/pg_rollout_store.h"

#include <chrono>

#include "db/database.h"
#include "db/db.h"
#include "rollout/rollout_shape.h"
#include "util/text.h"
#include "util/exit_codes.h"

namespace orch {

using namespace rollout_rows;

PgRolloutStore::PgRolloutStore(std::unique_ptr<Db> db, Connect connect, std::string run_id, std::string worker,
                               StateDbPolicy policy)
    : db_(std::move(db)),
      connect_(std::move(connect)),
      run_id_(std::move(run_id)),
      worker_(std::move(worker)),
      policy_(policy) {}

Result<std::unique_ptr<PgRolloutStore>> PgRolloutStore::open(Connect connect, const RolloutState& initial,
                                                             const nlohmann::json& shape, const std::string& worker,
                                                             bool resume, StateDbPolicy policy) {
  std::unique_ptr<Db> db = connect();
  if (auto st = ensure_rollout_schema(*db); !st) return st.error();
  auto store = std::make_unique<PgRolloutStore>(std::move(db), std::move(connect), initial.run_id, worker, policy);
  auto tx = store->db_->begin();
  lock_run(*tx, initial.run_id);
  Rows found = tx->query("SELECT shape::text, outcome FROM orchestrate_rollout.rollouts WHERE run_id = $1", {initial.run_id});
  if (found.empty()) {
    if (resume) return Error{"no rollout " + initial.run_id + " in the state database", "--resume", "", exit_code::kUsage};
    create(*tx, initial, shape, worker);
    store->created_ = true;
  } else {
    auto theirs = nlohmann::json::parse(found[0][0].str());
    if (auto diff = shape_differences(shape, theirs); !diff.empty())
      return Error{"this worker's manifest differs from rollout " + initial.run_id + "'s: " + join(diff, "; "),
                   "--run-id " + initial.run_id, "run every worker from the same release (image, manifest and targets)", exit_code::kUsage};
    // --resume reopens an ended rollout once: the first resumer flips it to running, the others join.
    if (resume && found[0][1].str() != "running") {
      tx->query("UPDATE orchestrate_rollout.targets SET state = 'pending', detail = '', orphan_since = NULL "
                "WHERE run_id = $1 AND state <> 'succeeded'", {initial.run_id});
      tx->query("UPDATE orchestrate_rollout.rollouts SET outcome = 'running', halted_reason = '', finished_at = NULL, "
                "attempt = attempt + 1 WHERE run_id = $1", {initial.run_id});
    }
  }
  tx->commit();
  store->heartbeat_ = std::thread([s = store.get()] { s->keep_alive(); });
  return store;
}

PgRolloutStore::~PgRolloutStore() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

Result<RolloutState> PgRolloutStore::read(Db& db, const std::string& run_id, Millis takeover_after, Millis wait) {
  if (!db.query("SELECT to_regclass('orchestrate_rollout.rollouts') IS NOT NULL")[0][0].as_bool())
    return Error{"the state database holds no rollouts yet", run_id, "", exit_code::kUsage};
  const auto deadline = std::chrono::steady_clock::now() + wait;
  RolloutState st;
  for (;;) {
    Settle s = Settle::Running;
    try {
      auto tx = db.begin();
      s = settle(*tx, run_id, {}, takeover_after, st);
      tx->commit();
    } catch (const DbError& e) {  // a role that may only read (--watch): the state as it is
      if (e.sqlstate() != "42501" && e.sqlstate() != "25006") throw;
      auto tx = db.begin(TxKind::ReadOnly);
      st = read_state(*tx, run_id);
    }
    if (st.run_id.empty()) return Error{"no rollout " + run_id + " in the state database", run_id, "", exit_code::kUsage};
    if (s != Settle::Waiting || std::chrono::steady_clock::now() >= deadline) return st;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

void PgRolloutStore::attach(RolloutHooks hooks) {
  std::lock_guard<std::mutex> lock(mu_);
  hooks_ = std::move(hooks);
}

std::optional<size_t> PgRolloutStore::claim(size_t wave) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<size_t> got;
  with_db([&](Db& db) { got = claim_on(db, wave); });
  return got;
}

// Pending first; then a running target whose claim has been free for the grace (its worker is gone).
std::optional<size_t> PgRolloutStore::claim_on(Db& db, size_t wave) {
  Rows halted = db.query("SELECT halted_reason <> '' FROM orchestrate_rollout.rollouts WHERE run_id = $1", {run_id_});
  if (halted.empty() || halted[0][0].as_bool()) return std::nullopt;
  Rows open = db.query("SELECT position, state, coalesce(worker, '') FROM orchestrate_rollout.targets "
                       "WHERE run_id = $1 AND wave = $2::int AND state IN ('pending', 'running') "
                       "ORDER BY state = 'running', position",
                       {run_id_, std::to_string(wave)});
  for (const auto& row : open) {
    const size_t pos = static_cast<size_t>(row[0].as_int());
    if (mine_.count({wave, pos})) continue;  // this connection's own claim: the lock would stack
    const std::string key = claim_key(wave, pos);
    if (row[1].str() == "running") {
      auto tx = db.begin();
      const Claim c = claim_state(*tx, run_id_, wave, pos, policy_.takeover_after);
      tx->commit();
      if (c != Claim::Fell) continue;
    }
    if (!db.query("SELECT pg_try_advisory_lock(hashtext($1), $2::int)", {run_id_, key})[0][0].as_bool()) continue;
    Rows got = db.query("UPDATE orchestrate_rollout.targets SET state = 'running', worker = $4, runs = runs + 1, "
                        "started_at = now(), heartbeat_at = now(), orphan_since = NULL, detail = '' "
                        "WHERE run_id = $1 AND wave = $2::int AND position = $3::int AND (state = 'pending' OR "
                        "(state = 'running' AND orphan_since <= now() - $5::interval)) RETURNING runs",
                        {run_id_, std::to_string(wave), std::to_string(pos), worker_, interval(policy_.takeover_after)});
    if (got.empty()) {  // it was claimed or ended between the reads
      db.query("SELECT pg_advisory_unlock(hashtext($1), $2::int)", {run_id_, key});
      continue;
    }
    mine_[{wave, pos}] = got[0][0].as_int();
    if (row[1].str() == "running")
      note("taking over a target of " + (row[2].str().empty() ? std::string("a lost worker") : row[2].str()) +
           ": its claim has been free for " + format_duration(policy_.takeover_after) + " or more");
    return pos;
  }
  return std::nullopt;
}

bool PgRolloutStore::finish(size_t wave, size_t index, const TargetOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mine_.find({wave, index});
  if (it == mine_.end()) return false;  // lost while the state database was unreachable: already said
  const long long token = it->second;
  bool recorded = false;
  const bool reached = with_db([&](Db& db) { recorded = finish_on(db, wave, index, token, outcome); });
  mine_.erase({wave, index});
  if (reached && !recorded)
    note(outcome.name + ": this worker's result is not recorded: another worker took the target over");
  return recorded;
}

// Guarded by the claim's token (the runs count when it was taken): a claim that passed to another
// worker records nothing; run again after a reconnect, it writes the same row once more.
bool PgRolloutStore::finish_on(Db& db, size_t wave, size_t index, long long token, const TargetOutcome& outcome) {
  // A worker stopped mid-target (SIGTERM, eviction) leaves it for another worker to take over.
  TargetOutcome t = outcome;
  if (t.state == "interrupted") {
    t.state = "pending";
    t.detail = "interrupted on " + worker_ + "; another worker takes it over";
  }
  std::vector<std::string> names, states;
  for (const auto& [k, v] : t.services) names.push_back(k), states.push_back(v);
  const Params where = {run_id_, std::to_string(wave), std::to_string(index)};
  auto tx = db.begin();
  Rows mine = tx->query("UPDATE orchestrate_rollout.targets SET state = $4, detail = $5, history_run_id = $6, "
                        "duration_ms = $7::bigint, finished_at = now(), orphan_since = NULL "
                        "WHERE run_id = $1 AND wave = $2::int AND position = $3::int AND worker = $8 AND runs = $9::int "
                        "RETURNING 1",
                        {run_id_, std::to_string(wave), std::to_string(index), t.state, t.detail, t.history_run_id,
                         std::to_string(t.duration_ms), worker_, std::to_string(token)});
  if (mine.empty()) return false;
  tx->query("DELETE FROM orchestrate_rollout.target_services WHERE run_id = $1 AND wave = $2::int AND position = $3::int",
            where);
  tx->query("INSERT INTO orchestrate_rollout.target_services (run_id, wave, position, service, state) "
            "SELECT $1, $2::int, $3::int, s, st FROM unnest($4::text[], $5::text[]) AS x(s, st)",
            {run_id_, std::to_string(wave), std::to_string(index), to_pg_array(names), to_pg_array(states)});
  tx->commit();
  if (mine_.count({wave, index}))
    db.query("SELECT pg_advisory_unlock(hashtext($1), $2::int)", {run_id_, claim_key(wave, index)});
  return true;
}

RolloutState PgRolloutStore::snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  with_db([&](Db& db) {
    auto tx = db.begin(TxKind::ReadOnly);
    last_ = read_state(*tx, run_id_);
  });
  return last_;
}

void PgRolloutStore::halt(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  with_db([&](Db& db) {
    db.query("UPDATE orchestrate_rollout.rollouts SET halted_reason = $2 WHERE run_id = $1 AND halted_reason = ''",
             {run_id_, reason});
  });
}

// The last worker out closes the rollout: while another worker still runs a target, it does. After a
// halt, a running target whose claim fell counts as ended, once the grace has passed (its worker may
// only be reconnecting); this worker waits that long for it.
RolloutState PgRolloutStore::end(bool interrupted) {
  const auto deadline = std::chrono::steady_clock::now() + policy_.takeover_after + std::chrono::seconds(5);
  for (;;) {
    Settle s = Settle::Running;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::set<TargetKey> mine;
      for (const auto& [key, token] : mine_) mine.insert(key);
      const bool reached = with_db([&](Db& db) {
        auto tx = db.begin();
        if (interrupted) {
          last_ = read_state(*tx, run_id_);
          return;
        }
        RolloutState st;
        s = settle(*tx, run_id_, mine, policy_.takeover_after, st);
        tx->commit();
        last_ = st;
      });
      if (s == Settle::Running) recount_halt_reason(last_);  // as the rollout will say it once closed
      if (!reached || interrupted || s != Settle::Waiting) return last_;
    }
    if (std::chrono::steady_clock::now() >= deadline || !pause(std::chrono::seconds(1))) return last_;
  }
}

}  // namespace orch

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
    : connect_(std::move(connect)), run_id_(std::move(run_id)), worker_(std::move(worker)), policy_(policy) {
  links_.push_back(std::make_unique<Link>());
  links_.back()->db = std::move(db);
}

Result<std::unique_ptr<PgRolloutStore>> PgRolloutStore::open(Connect connect, const RolloutState& initial,
                                                             const nlohmann::json& shape, const std::string& worker,
                                                             bool resume, StateDbPolicy policy) {
  std::unique_ptr<Db> db = connect();
  if (auto st = ensure_rollout_schema(*db); !st) return st.error();
  auto store = std::make_unique<PgRolloutStore>(std::move(db), std::move(connect), initial.run_id, worker, policy);
  auto tx = store->links_[0]->db->begin();
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
    if (resume && rollout_outcome_from(found[0][1].str(), "rollout " + initial.run_id + " in the state database") !=
                      RolloutOutcome::Running) {
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
  std::lock_guard<std::mutex> lock(hooks_mu_);
  hooks_ = std::move(hooks);
}

PgRolloutStore::Link& PgRolloutStore::idle_link() {
  bool make = false;
  Link* wait_on = nullptr;
  {
    std::lock_guard<std::mutex> lock(links_mu_);
    for (auto& l : links_)
      if (l->mu.try_lock()) return *l;
    make = links_.size() + connecting_ < kMaxLinks;
    if (make) ++connecting_;
    else wait_on = links_[next_wait_++ % links_.size()].get();
  }
  if (make) {  // a new session, connected outside the lock (a connect is round trips), joins once made
    auto l = std::make_unique<Link>();
    try {
      l->db = connect_();
    } catch (const std::exception&) {  // the state database refuses more: wait for a link we have
      l.reset();
    }
    std::lock_guard<std::mutex> lock(links_mu_);
    --connecting_;
    if (l) {
      l->mu.lock();
      links_.push_back(std::move(l));
      return *links_.back();
    }
    wait_on = links_[next_wait_++ % links_.size()].get();
  }
  wait_on->mu.lock();
  return *wait_on;
}

std::set<TargetKey> PgRolloutStore::all_claims() {
  std::lock_guard<std::mutex> lock(links_mu_);
  std::set<TargetKey> keys;
  for (const auto& [key, link] : owner_) keys.insert(key);
  return keys;
}

std::optional<size_t> PgRolloutStore::claim(size_t wave) {
  Link& l = idle_link();
  std::lock_guard<std::mutex> lock(l.mu, std::adopt_lock);
  std::optional<size_t> got;
  with_db(l, [&](Db& db) { got = claim_on(l, db, wave); });
  if (got) {
    std::lock_guard<std::mutex> links(links_mu_);
    owner_[{wave, *got}] = &l;
  }
  return got;
}

// One statement: the first pending target of the wave nobody is claiming this moment (FOR UPDATE SKIP
// LOCKED), its claim's lock taken on this session, its row marked running, unless the rollout halted.
// A pending row whose lock another session holds for a moment (re-taking its claims) is skipped.
std::optional<size_t> PgRolloutStore::claim_on(Link& l, Db& db, size_t wave) {
  std::vector<std::string> skipped;
  for (int attempt = 0; attempt < 8; ++attempt) {
    Rows r = db.query(
        "WITH pick AS MATERIALIZED (SELECT t.position FROM orchestrate_rollout.targets t "
        "  WHERE t.run_id = $1 AND t.wave = $2::int AND t.state = 'pending' AND t.position <> ALL($4::int[]) "
        "  AND EXISTS (SELECT 1 FROM orchestrate_rollout.rollouts r WHERE r.run_id = $1 AND r.halted_reason = '') "
        "  ORDER BY t.position LIMIT 1 FOR UPDATE OF t SKIP LOCKED), "
        "locked AS MATERIALIZED (SELECT position FROM pick WHERE pg_try_advisory_lock(hashtext($1), $2::int * 65536 + position)), "
        "took AS (UPDATE orchestrate_rollout.targets t SET state = 'running', worker = $3, runs = t.runs + 1, "
        "  started_at = now(), heartbeat_at = now(), orphan_since = NULL, detail = '' FROM locked "
        "  WHERE t.run_id = $1 AND t.wave = $2::int AND t.position = locked.position RETURNING t.position, t.runs) "
        "SELECT (SELECT position FROM pick), (SELECT position FROM took), (SELECT runs FROM took)",
        {run_id_, std::to_string(wave), worker_, to_pg_array(skipped)});
    if (r[0][0].is_null()) return take_over(l, db, wave);  // none pending (or halted)
    if (r[0][1].is_null()) {
      skipped.push_back(r[0][0].str());
      continue;
    }
    const size_t pos = static_cast<size_t>(r[0][1].as_int());
    l.mine[{wave, pos}] = r[0][2].as_int();
    return pos;
  }
  return std::nullopt;
}

// None pending: a running target of the wave whose claim is held by no session (its worker is gone)
// is stamped orphaned on the first sighting, and taken over once that is `takeover_after` ago. One
// statement finds them all; one more takes one.
std::optional<size_t> PgRolloutStore::take_over(Link& l, Db& db, size_t wave) {
  std::vector<std::string> own;
  for (const auto& key : all_claims())
    if (key.first == wave) own.push_back(std::to_string(key.second));
  const std::string w = std::to_string(wave);
  Rows orphans = db.query(
      "WITH cand AS MATERIALIZED (SELECT t.position FROM orchestrate_rollout.targets t "
      "  WHERE t.run_id = $1 AND t.wave = $2::int AND t.state = 'running' AND t.position <> ALL($3::int[]) "
      "  AND EXISTS (SELECT 1 FROM orchestrate_rollout.rollouts r WHERE r.run_id = $1 AND r.halted_reason = '') "
      "  AND NOT EXISTS (SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted "
      "    AND k.classid = hashtext($1)::oid AND k.objid = ($2::int * 65536 + t.position)::oid AND k.objsubid = 2)) "
      "UPDATE orchestrate_rollout.targets t SET orphan_since = coalesce(t.orphan_since, now()) FROM cand "
      "WHERE t.run_id = $1 AND t.wave = $2::int AND t.position = cand.position AND t.state = 'running' "
      "RETURNING t.position, now() - t.orphan_since >= $4::interval, coalesce(t.worker, '')",
      {run_id_, w, to_pg_array(own), interval(policy_.takeover_after)});
  for (const auto& row : orphans) {
    if (!row[1].as_bool()) continue;
    const std::string pos = row[0].str();
    Rows got = db.query(
        "WITH locked AS MATERIALIZED (SELECT 1 WHERE pg_try_advisory_lock(hashtext($1), $2::int * 65536 + $3::int)), "
        "took AS (UPDATE orchestrate_rollout.targets t SET state = 'running', worker = $4, runs = t.runs + 1, "
        "  started_at = now(), heartbeat_at = now(), orphan_since = NULL, detail = '' "
        "  WHERE EXISTS (SELECT 1 FROM locked) AND t.run_id = $1 AND t.wave = $2::int AND t.position = $3::int "
        "  AND t.state = 'running' AND t.orphan_since <= now() - $5::interval RETURNING t.runs) "
        "SELECT EXISTS (SELECT 1 FROM locked), (SELECT runs FROM took)",
        {run_id_, w, pos, worker_, interval(policy_.takeover_after)});
    if (!got[0][0].as_bool()) continue;  // another session holds it now
    if (got[0][1].is_null()) {           // it was taken or ended between the statements
      db.query("SELECT pg_advisory_unlock(hashtext($1), $2::int)", {run_id_, claim_key(wave, std::stoul(pos))});
      continue;
    }
    l.mine[{wave, std::stoul(pos)}] = got[0][1].as_int();
    note("taking over a target of " + (row[2].str().empty() ? std::string("a lost worker") : row[2].str()) +
         ": its claim has been free for " + format_duration(policy_.takeover_after) + " or more");
    return std::stoul(pos);
  }
  return std::nullopt;
}

bool PgRolloutStore::finish(size_t wave, size_t index, const TargetOutcome& outcome) {
  Link* l = nullptr;
  {
    std::lock_guard<std::mutex> lock(links_mu_);
    auto it = owner_.find({wave, index});
    if (it == owner_.end()) return false;
    l = it->second;
  }
  std::lock_guard<std::mutex> lock(l->mu);
  auto it = l->mine.find({wave, index});
  bool reached = false, recorded = false;
  if (it != l->mine.end()) {  // else lost while the state database was unreachable: already said
    const long long token = it->second;
    reached = with_db(*l, [&](Db& db) { recorded = finish_on(db, wave, index, token, outcome); });
    l->mine.erase({wave, index});
  }
  {
    std::lock_guard<std::mutex> links(links_mu_);
    owner_.erase({wave, index});
  }
  if (reached && !recorded)
    note(outcome.name + ": this worker's result is not recorded: another worker took the target over");
  return recorded;
}

// One statement, guarded by the claim's token (the runs count when it was taken): a claim that passed
// to another worker records nothing; run again after a reconnect, it writes the same row once more.
// The claim's lock is released with it (a session lock: no rollback brings it back).
bool PgRolloutStore::finish_on(Db& db, size_t wave, size_t index, long long token, const TargetOutcome& outcome) {
  // A worker stopped mid-target (SIGTERM, eviction) leaves it for another worker to take over.
  TargetOutcome t = outcome;
  if (t.state == TargetState::Interrupted) {
    t.state = TargetState::Pending;
    t.detail = "interrupted on " + worker_ + "; another worker takes it over";
  }
  std::vector<std::string> names, states;
  for (const auto& [k, v] : t.services) names.push_back(k), states.push_back(v);
  Rows r = db.query(
      "WITH mine AS (UPDATE orchestrate_rollout.targets SET state = $4, detail = $5, history_run_id = $6, "
      "  duration_ms = $7::bigint, finished_at = now(), orphan_since = NULL "
      "  WHERE run_id = $1 AND wave = $2::int AND position = $3::int AND worker = $8 AND runs = $9::int RETURNING 1), "
      "gone AS (DELETE FROM orchestrate_rollout.target_services s WHERE EXISTS (SELECT 1 FROM mine) "
      "  AND s.run_id = $1 AND s.wave = $2::int AND s.position = $3::int AND s.service <> ALL($10::text[])), "
      "put AS (INSERT INTO orchestrate_rollout.target_services (run_id, wave, position, service, state) "
      "  SELECT $1, $2::int, $3::int, x.s, x.st FROM unnest($10::text[], $11::text[]) AS x(s, st) "
      "  WHERE EXISTS (SELECT 1 FROM mine) "
      "  ON CONFLICT (run_id, wave, position, service) DO UPDATE SET state = EXCLUDED.state) "
      "SELECT count(*), bool_and(pg_advisory_unlock(hashtext($1), $2::int * 65536 + $3::int)) FROM mine",
      {run_id_, std::to_string(wave), std::to_string(index), to_string(t.state), t.detail, t.history_run_id,
       std::to_string(t.duration_ms), worker_, std::to_string(token), to_pg_array(names), to_pg_array(states)});
  return r[0][0].as_int() > 0;
}

RolloutState PgRolloutStore::snapshot() {
  Link& l = idle_link();
  std::lock_guard<std::mutex> lock(l.mu, std::adopt_lock);
  RolloutState st;
  const bool reached = with_db(l, [&](Db& db) {
    auto tx = db.begin(TxKind::ReadOnly);
    st = read_state(*tx, run_id_);
  });
  std::lock_guard<std::mutex> last(mu_);
  if (reached) last_ = st;
  return last_;
}

void PgRolloutStore::halt(const std::string& reason) {
  Link& l = idle_link();
  std::lock_guard<std::mutex> lock(l.mu, std::adopt_lock);
  with_db(l, [&](Db& db) {
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
      const std::set<TargetKey> mine = all_claims();
      Link& l = idle_link();
      std::lock_guard<std::mutex> lock(l.mu, std::adopt_lock);
      RolloutState st;
      const bool reached = with_db(l, [&](Db& db) {
        auto tx = db.begin();
        if (interrupted) {
          st = read_state(*tx, run_id_);
          return;
        }
        s = settle(*tx, run_id_, mine, policy_.takeover_after, st);
        tx->commit();
      });
      std::lock_guard<std::mutex> last(mu_);
      if (reached) last_ = st;
      if (s == Settle::Running) recount_halt_reason(last_);  // as the rollout will say it once closed
      if (!reached || interrupted || s != Settle::Waiting) return last_;
    }
    if (std::chrono::steady_clock::now() >= deadline || !pause(std::chrono::seconds(1))) {
      std::lock_guard<std::mutex> last(mu_);
      return last_;
    }
  }
}

}  // namespace orch

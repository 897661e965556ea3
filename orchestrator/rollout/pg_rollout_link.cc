// PgRolloutStore's hold on its state database: a heartbeat that notices a lost connection within a
// second, a bounded reconnect with backoff, and re-taking this worker's claims on the new connection
// before anyone may take them over (they wait `takeover_after` for that). No exception leaves here.
#include <chrono>
#include <random>

#include "db/database.h"
#include "db/db.h"
#include "rollout/pg_rollout_store.h"
#include "util/secrets.h"
#include "util/text.h"
#include "db/db_error.h"

namespace orch {

using namespace rollout_rows;

namespace {

// The connection is gone (08xxx), or the server is going away or not yet back (57P01 admin
// shutdown, 57P02 crash shutdown, 57P03 cannot connect now): worth connecting again.
bool unreachable(const DbError& e) {
  const std::string& s = e.sqlstate();
  return e.connection_lost() || s == "57P01" || s == "57P02" || s == "57P03";
}

// Doubling from 200 ms, capped at 2 s, at a random point of the step's upper half: workers that lost
// the database together do not all come back in the same millisecond, and none waits long.
Millis reconnect_backoff(int attempt, std::mt19937& rng) {
  long long step = 200;
  for (int i = 1; i < attempt && step < 2000; ++i) step *= 2;
  step = std::min<long long>(step, 2000);
  return Millis(std::uniform_int_distribution<long long>(step / 2, step)(rng));
}

}  // namespace

bool PgRolloutStore::with_db(Link& l, const std::function<void(Db&)>& f) {
  for (int attempt = 0; !given_up(); ++attempt) {
    try {
      if (!l.db) throw DbError("no connection to the rollout state database", "08003");
      f(*l.db);
      l.used = std::chrono::steady_clock::now();
      return true;
    } catch (const DbError& e) {
      const std::string what = db_error(e, "").message;
      if (!unreachable(e) || attempt >= 10) {
        give_up("the rollout state database failed: " + what);
        return false;
      }
      l.db.reset();
      if (!reconnect(l, what)) return false;
    } catch (const std::exception& e) {
      give_up(std::string("the rollout state database failed: ") + secrets::scrub(e.what()));
      return false;
    }
  }
  return false;
}

bool PgRolloutStore::reconnect(Link& l, const std::string& why) {
  note("lost a connection to the rollout state database (" + why + "); reconnecting for up to " +
       format_duration(policy_.reconnect_window) + ", holding " + std::to_string(l.mine.size()) + " claim(s) on it");
  static thread_local std::mt19937 rng{std::random_device{}()};
  const auto start = std::chrono::steady_clock::now();
  std::string last = why;
  for (int attempt = 1;; ++attempt) {
    const auto elapsed = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
    if (elapsed >= policy_.reconnect_window) {  // the window bounds the waits; one connect attempt may end past it
      give_up("the rollout state database stayed unreachable for " + format_duration(policy_.reconnect_window) +
              " (last error: " + last + ")");
      return false;
    }
    if (!pause(std::min(reconnect_backoff(attempt, rng), policy_.reconnect_window - elapsed))) {
      give_up("interrupted while reconnecting to the rollout state database");
      return false;
    }
    try {
      std::unique_ptr<Db> db = connect_();
      const size_t held = l.mine.size();
      retake_claims(l, *db);
      l.db = std::move(db);
      const auto took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
      note("reconnected to the rollout state database after " + format_duration(took) + "; " +
           std::to_string(l.mine.size()) + " of " + std::to_string(held) + " claim(s) kept");
      return true;
    } catch (const DbError& e) {
      last = db_error(e, "").message;
    } catch (const std::exception& e) {
      last = secrets::scrub(e.what());
    }
  }
}

namespace {

enum class Retaken { Kept, Ended, Lost };

// This worker's own earlier session, still alive on the server after a network blip (the server
// notices a dead peer only after its keepalives), holding the claim: ended so the claim can be re-taken.
bool end_own_stale_session(Db& db, const std::string& run_id, const std::string& key, const std::string& worker) {
  Rows r = db.query("SELECT pg_terminate_backend(a.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = hashtext($1)::oid "
                    "AND l.objid = $2::int::oid AND l.objsubid = 2 AND a.pid <> pg_backend_pid() "
                    "AND a.application_name = left('orchestrate/rollout ' || $3, 63)",
                    {run_id, key, worker});
  return !r.empty() && r[0][0].as_bool();
}

// The claim's lock on this connection (waiting at most 3 s: a worker inspecting a claim holds it for a
// moment), then its row: still this worker's, by the token it was taken with?
Retaken retake_one(Db& db, const std::string& run_id, size_t wave, size_t pos, const std::string& worker, long long token) {
  const std::string key = claim_key(wave, pos);
  for (int attempt = 0;; ++attempt) {
    try {
      auto tx = db.begin();
      tx->query("SET LOCAL lock_timeout = '3s'");
      tx->query("SELECT pg_advisory_lock(hashtext($1), $2::int)", {run_id, key});
      Rows r = tx->query("SELECT state = 'running' FROM orchestrate_rollout.targets WHERE run_id = $1 AND wave = $2::int "
                         "AND position = $3::int AND worker = $4 AND runs = $5::int",
                         {run_id, std::to_string(wave), std::to_string(pos), worker, std::to_string(token)});
      const bool kept = !r.empty() && r[0][0].as_bool();
      if (kept)
        tx->query("UPDATE orchestrate_rollout.targets SET orphan_since = NULL, heartbeat_at = now() WHERE run_id = $1 "
                  "AND wave = $2::int AND position = $3::int",
                  {run_id, std::to_string(wave), std::to_string(pos)});
      tx->commit();
      if (kept) return Retaken::Kept;
      db.query("SELECT pg_advisory_unlock(hashtext($1), $2::int)", {run_id, key});
      // Still this worker's row, ended: its result was recorded before the connection dropped.
      return r.empty() ? Retaken::Lost : Retaken::Ended;
    } catch (const DbError& e) {
      if (!e.lock_timeout()) throw;  // lock_not_available: held elsewhere
      if (attempt > 0 || !end_own_stale_session(db, run_id, key, worker)) return Retaken::Lost;
    }
  }
}

}  // namespace

// Each claim is re-taken on the new connection when its row still names this worker and the token
// it was taken with. Otherwise another worker took it over (after the grace): that target stops here.
void PgRolloutStore::retake_claims(Link& l, Db& db) {
  for (auto it = l.mine.begin(); it != l.mine.end();) {
    const auto [wave, pos] = it->first;
    if (retake_one(db, run_id_, wave, pos, worker_, it->second) != Retaken::Lost) {
      ++it;
      continue;
    }
    note(target_name(wave, pos) + " passed to another worker while the state database was unreachable: stopping it here");
    {
      std::lock_guard<std::mutex> hooks(hooks_mu_);
      if (hooks_.claim_lost) hooks_.claim_lost(wave, pos);
    }
    it = l.mine.erase(it);
  }
}

std::string PgRolloutStore::target_name(size_t wave, size_t pos) {
  std::lock_guard<std::mutex> lock(mu_);
  if (wave < last_.waves.size() && pos < last_.waves[wave].targets.size()) return last_.waves[wave].targets[pos].name;
  return "target " + std::to_string(pos + 1) + " of wave " + std::to_string(wave + 1);
}

// What makes a state connection: TCP keepalives asked of the server too (tcp_keepalives_* are the
// session's own settings), so a cut-off worker's session, and its claims, end within a minute
// instead of the kernel's two hours. A server without one of these settings skips it.
void tune_state_session(Db& db) {
  db.query("SELECT set_config(k.name, k.value, false) FROM (VALUES ('tcp_keepalives_idle', '30'), "
           "('tcp_keepalives_interval', '10'), ('tcp_keepalives_count', '3'), ('tcp_user_timeout', '60000')) "
           "AS k(name, value) WHERE k.name IN (SELECT name FROM pg_settings)");
}

void PgRolloutStore::give_up(const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.empty()) return;
    failure_ = why;
  }
  std::lock_guard<std::mutex> hooks(hooks_mu_);
  if (hooks_.failed) hooks_.failed(why);
}

bool PgRolloutStore::given_up() {
  std::lock_guard<std::mutex> lock(mu_);
  return !failure_.empty();
}

// Every second: one statement on the first connection, the heartbeat of every claim this worker
// holds (or a bare liveness check while it holds none); and on each other connection holding claims
// that sent nothing for that second, a liveness check. So a dropped connection is found and re-made,
// and its claims re-taken, within the grace, for about one statement a second per worker.
void PgRolloutStore::keep_alive() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(stop_mu_);
      if (stop_cv_.wait_for(lock, policy_.heartbeat_every, [this] { return stopping_; })) return;
    }
    std::vector<Link*> links;
    {
      std::lock_guard<std::mutex> lock(links_mu_);
      for (auto& l : links_) links.push_back(l.get());
    }
    const auto quiet_since = std::chrono::steady_clock::now() - policy_.heartbeat_every;
    for (size_t i = 1; i < links.size(); ++i) {
      if (given_up()) return;
      std::lock_guard<std::mutex> lock(links[i]->mu);
      if (links[i]->mine.empty() || links[i]->used > quiet_since) continue;
      with_db(*links[i], [](Db& db) { db.query("SELECT 1"); });
    }
    if (given_up()) return;
    std::vector<std::string> waves, positions;
    for (const auto& [wave, pos] : all_claims())
      waves.push_back(std::to_string(wave)), positions.push_back(std::to_string(pos));
    std::lock_guard<std::mutex> lock(links.front()->mu);
    with_db(*links.front(), [&](Db& db) {
      if (waves.empty()) {
        db.query("SELECT 1");
        return;
      }
      db.query("UPDATE orchestrate_rollout.targets t SET heartbeat_at = now() FROM unnest($3::text[], $4::text[]) AS x(w, p) "
               "WHERE t.run_id = $1 AND t.worker = $2 AND t.wave = x.w::int AND t.position = x.p::int",
               {run_id_, worker_, to_pg_array(waves), to_pg_array(positions)});
    });
  }
}

void PgRolloutStore::note(const std::string& text) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  if (hooks_.note) hooks_.note(text);
}

bool PgRolloutStore::pause(Millis d) {
  std::lock_guard<std::mutex> lock(hooks_mu_);  // attach({}) waits: the hub slept on outlives the wait
  if (hooks_.sleep) return hooks_.sleep(d);
  std::this_thread::sleep_for(d);
  return true;
}

}  // namespace orch

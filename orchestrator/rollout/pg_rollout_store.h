#pragma once
// A rollout shared by many workers (Kubernetes Indexed Job pods) through a PostgreSQL state database:
// schema orchestrate_rollout holds the rollout, its waves, its targets (with their claims' worker and
// outcome) and each target's per-service results. A claim is a session advisory lock on one of the
// worker's state connections (one statement to claim, one to record the result), so a worker that dies (SIGKILL, eviction) frees its targets, and another worker
// takes them over once the claim has been free for `takeover_after` (the grace that lets a worker
// whose connection dropped, as when the state database restarts, reconnect and re-take its claims
// first). The connections are watched by a heartbeat; a lost one is re-made with a bounded backoff.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "rollout/pg_rollout_rows.h"
#include "rollout/rollout_store.h"
#include "util/result.h"

namespace orch {

class Db;

// The bounds docs/rollout.md states (defaults; ORCHESTRATE_ROLLOUT_* environment variables set them).
struct StateDbPolicy {
  Millis reconnect_window{30000};  // how long a worker tries to reach its state database again
  Millis takeover_after{10000};    // how long a running target's claim must be free before it is taken over
  Millis heartbeat_every{1000};    // how often the connection is checked (and the claims' heartbeat written)
};

// Asks the server to keep TCP keepalives on this session (tcp_keepalives_idle 30 s, 3 probes 10 s
// apart, tcp_user_timeout 60 s): a worker cut off mid-session loses its session, and its claims, within
// about a minute. Every state connection gets it.
void tune_state_session(Db& db);

class PgRolloutStore : public RolloutStore {
 public:
  // A fresh connection to the state database; throws DbError.
  using Connect = std::function<std::unique_ptr<Db>()>;

  // Creates rollout initial.run_id (the first worker to arrive) or joins it. A joiner whose shape
  // differs is refused (exit 2) naming what differs. With `resume`, an ended rollout is opened again:
  // every target that did not succeed is pending once more, in a new attempt.
  static Result<std::unique_ptr<PgRolloutStore>> open(Connect connect, const RolloutState& initial,
                                                       const nlohmann::json& shape, const std::string& worker,
                                                       bool resume, StateDbPolicy policy = {});
  // The rollout as the database has it (--watch, and --resume before it reopens): no claims. A halted
  // rollout whose last running targets lost their workers is closed on the way (waiting up to `wait`
  // for claims that fell less than the grace ago).
  static Result<RolloutState> read(Db& db, const std::string& run_id, Millis takeover_after, Millis wait);

  PgRolloutStore(std::unique_ptr<Db> db, Connect connect, std::string run_id, std::string worker, StateDbPolicy policy);
  ~PgRolloutStore() override;

  void attach(RolloutHooks hooks) override;
  std::optional<size_t> claim(size_t wave) override;
  bool finish(size_t wave, size_t index, const TargetOutcome& outcome) override;
  RolloutState snapshot() override;
  void halt(const std::string& reason) override;
  RolloutState end(bool interrupted) override;
  bool created() const { return created_; }

 private:
  // One state connection and the claims its session holds (a claim is the session's advisory lock, so
  // it lives and dies with that connection). A worker opens links as its threads contend for them,
  // up to kMaxLinks: claims and results of many threads no longer queue behind one connection.
  struct Link {
    std::mutex mu;  // one statement at a time on it
    std::unique_ptr<Db> db;
    std::map<rollout_rows::TargetKey, long long> mine;  // claims this session holds -> the row's runs when taken
    std::chrono::steady_clock::time_point used;          // its last statement that reached the server
  };
  // A claim or a result holds a link for one round trip of a target's ~80: four serve 32 threads
  // with room to spare, and bound what a worker costs the state database in sessions.
  static constexpr size_t kMaxLinks = 4;

  // An idle link, locked; a new one while there are fewer than kMaxLinks; else waits for one.
  Link& idle_link();
  std::optional<size_t> claim_on(Link& l, Db& db, size_t wave);
  std::optional<size_t> take_over(Link& l, Db& db, size_t wave);
  bool finish_on(Db& db, size_t wave, size_t index, long long token, const TargetOutcome& t);
  std::set<rollout_rows::TargetKey> all_claims();
  // A link's connection, kept (pg_rollout_link.cc). with_db runs f, and on a lost connection
  // reconnects (re-taking the link's claims) and runs it again; false once the store has given up.
  bool with_db(Link& l, const std::function<void(Db&)>& f);
  bool reconnect(Link& l, const std::string& why);
  void retake_claims(Link& l, Db& db);
  void give_up(const std::string& why);
  bool given_up();
  void keep_alive();
  void note(const std::string& text);
  bool pause(Millis d);
  std::string target_name(size_t wave, size_t pos);

  Connect connect_;
  std::string run_id_;
  std::string worker_;
  StateDbPolicy policy_;

  std::mutex links_mu_;  // links_ and owner_; held for moments, never while waiting on a link
  std::vector<std::unique_ptr<Link>> links_;
  std::map<rollout_rows::TargetKey, Link*> owner_;  // which link holds each of this worker's claims
  size_t next_wait_ = 0;
  size_t connecting_ = 0;  // links being connected, not yet in links_

  std::mutex mu_;  // last_, failure_
  RolloutState last_;  // the last state read, for when the database is gone
  std::string failure_;
  std::mutex hooks_mu_;  // held while a hook runs, so attach({}) waits for it
  RolloutHooks hooks_;
  bool created_ = false;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

}  // namespace orch

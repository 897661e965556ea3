#pragma once
// The one lock-timeout retry (the SQL runner's files, the RLS phase, Alembic's jobs): how many attempts,
// how long to wait before the next (util/backoff.h), and the words every one of them prints. A lock
// timeout rolls the attempt back; the caller says who blocks (db/lock_blocker.h) and how to wait (a
// sleep that a cancel ends, or an asio timer).
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "util/duration.h"

namespace orch {

struct LockRetryPolicy {
  int attempts = 1;                 // the first try plus the retries
  Millis lock_timeout{0};           // what each attempt waits for a lock
  std::string lock_noun = "a lock"; // "a table lock" in the RLS phase
  // lock_retries apply only when a lock_timeout is set: without one nothing times out.
  static LockRetryPolicy of(std::optional<Millis> lock_timeout, int lock_retries, std::string noun = "a lock");
};

// One lock timeout: which attempt it ended, who is in the way, and the wait before the next attempt.
struct LockTimeout {
  int attempt = 1;
  int attempts = 1;
  Millis waited{0};         // the lock_timeout the attempt waited
  Millis next{0};           // 0 on the last attempt
  std::string blocker;      // "a lock on s.t is held by pid 42 (…)", "" when nobody is found
  int blocker_pid = 0;
  std::string lock_noun = "a lock";

  bool last() const { return attempt >= attempts; }
  // "waited 2.0s for a lock"
  std::string waited_text() const;
  // "lock timeout on 0002_x.sql (waited 2.0s for a lock; <blocker>); attempt 1 of 3, next in 187ms"
  // (`on` empty: "lock timeout (…)").
  std::string retry_line(const std::string& on) const;
  // "gave up after 3 attempts (each waited 2.0s for a lock); <blocker>"
  std::string gave_up() const;
};

// Waits before the next attempt; false when the run was interrupted meanwhile.
using LockWaiter = std::function<bool(Millis)>;
// The wait before retry number `retry` (1 for the first retry).
using BackoffFn = std::function<Millis(int retry)>;

class LockRetry {
 public:
  // `backoff` unset: lock_backoff with a random generator of its own.
  explicit LockRetry(LockRetryPolicy policy, BackoffFn backoff = {});
  const LockRetryPolicy& policy() const { return policy_; }

  // Attempt `attempt` ended in a lock timeout: the record, with the wait before the next attempt unless
  // it was the last.
  LockTimeout timed_out(int attempt, std::string blocker, int blocker_pid);

  enum class End { Finished, GaveUp, Interrupted };
  struct Hooks {
    std::function<std::pair<std::string, int>()> blocker;  // who holds the lock: text and pid (asked once per timeout)
    std::function<void(const LockTimeout&)> waiting;       // before each wait: print the line, send the event
    LockWaiter wait;                                       // unset: a plain sleep
  };
  // Runs `attempt(n)` (n from 1) until it returns true (done: succeeded, or failed for another reason),
  // the attempts are spent (GaveUp, `last` holds the final timeout) or the waiter says stop.
  End run(const std::function<bool(int attempt)>& attempt, const Hooks& hooks, LockTimeout* last = nullptr);

 private:
  LockRetryPolicy policy_;
  BackoffFn backoff_;
  std::mt19937 rng_;
};

}  // namespace orch

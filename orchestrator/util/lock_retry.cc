#include "util/lock_retry.h"

#include <thread>

#include "util/backoff.h"

namespace orch {

LockRetryPolicy LockRetryPolicy::of(std::optional<Millis> lock_timeout, int lock_retries, std::string noun) {
  LockRetryPolicy p;
  p.attempts = 1 + (lock_timeout ? lock_retries : 0);
  p.lock_timeout = lock_timeout.value_or(Millis(0));
  p.lock_noun = std::move(noun);
  return p;
}

std::string LockTimeout::waited_text() const { return "waited " + format_duration(waited) + " for " + lock_noun; }

std::string LockTimeout::retry_line(const std::string& on) const {
  return "lock timeout" + (on.empty() ? std::string() : " on " + on) + " (" + waited_text() +
         (blocker.empty() ? "" : "; " + blocker) + "); attempt " + std::to_string(attempt) + " of " +
         std::to_string(attempts) + ", next in " + format_duration(next);
}

std::string LockTimeout::gave_up() const {
  return "gave up after " + std::to_string(attempt) + " attempt" + (attempt == 1 ? "" : "s") + " (each " + waited_text() +
         ")" + (blocker.empty() ? "" : "; " + blocker);
}

LockRetry::LockRetry(LockRetryPolicy policy, BackoffFn backoff)
    : policy_(std::move(policy)), backoff_(std::move(backoff)), rng_(std::random_device{}()) {}

LockTimeout LockRetry::timed_out(int attempt, std::string blocker, int blocker_pid) {
  LockTimeout t;
  t.attempt = attempt;
  t.attempts = policy_.attempts;
  t.waited = policy_.lock_timeout;
  t.blocker = std::move(blocker);
  t.blocker_pid = blocker_pid;
  t.lock_noun = policy_.lock_noun;
  if (!t.last()) t.next = backoff_ ? backoff_(attempt) : lock_backoff(attempt, rng_);
  return t;
}

LockRetry::End LockRetry::run(const std::function<bool(int)>& attempt, const Hooks& hooks, LockTimeout* last) {
  for (int n = 1;; ++n) {
    if (attempt(n)) return End::Finished;
    auto [text, pid] = hooks.blocker ? hooks.blocker() : std::pair<std::string, int>{"", 0};
    LockTimeout t = timed_out(n, std::move(text), pid);
    if (last) *last = t;
    if (t.last()) return End::GaveUp;
    if (hooks.waiting) hooks.waiting(t);
    const bool go_on = hooks.wait ? hooks.wait(t.next) : (std::this_thread::sleep_for(t.next), true);
    if (!go_on) return End::Interrupted;
  }
}

}  // namespace orch

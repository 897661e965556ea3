// The one lock-timeout retry (util/lock_retry.h) the SQL runner, the RLS phase and Alembic's jobs share:
// how many attempts, the backoff it waits (on a fake waiter, never a real sleep), the one line it
// prints and the blocker it names.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "util/backoff.h"
#include "util/lock_retry.h"

using namespace orch;

namespace {

LockRetryPolicy policy(int retries, Millis timeout = Millis(2000)) { return LockRetryPolicy::of(timeout, retries); }

}  // namespace

TEST(LockRetry, RetriesApplyOnlyWithALockTimeout) {
  EXPECT_EQ(LockRetryPolicy::of(Millis(2000), 8).attempts, 9);
  EXPECT_EQ(LockRetryPolicy::of(std::nullopt, 8).attempts, 1);  // "off": nothing ever times out
  EXPECT_EQ(LockRetryPolicy::of(Millis(2000), 0).attempts, 1);
}

TEST(LockRetry, TriesUntilAnAttemptFinishesAndWaitsTheBackoffBetween) {
  std::vector<int> retries_asked;
  LockRetry retry(policy(3), [&](int r) {
    retries_asked.push_back(r);
    return Millis(100 * r);
  });
  std::vector<Millis> waited;
  std::vector<int> seen;
  LockRetry::Hooks hooks;
  hooks.wait = [&](Millis d) {
    waited.push_back(d);
    return true;
  };
  hooks.waiting = [&](const LockTimeout& t) { seen.push_back(t.attempt); };
  int tries = 0;
  auto end = retry.run([&](int n) { return ++tries, n == 3; }, hooks);
  EXPECT_EQ(end, LockRetry::End::Finished);
  EXPECT_EQ(tries, 3);
  EXPECT_EQ(retries_asked, (std::vector<int>{1, 2}));
  EXPECT_EQ(waited, (std::vector<Millis>{Millis(100), Millis(200)}));
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
}

TEST(LockRetry, GivesUpAfterItsAttemptsWithoutWaitingAfterTheLast) {
  LockRetry retry(policy(2), [](int) { return Millis(5); });
  int waits = 0, tries = 0;
  LockRetry::Hooks hooks;
  hooks.wait = [&](Millis) { return ++waits, true; };
  hooks.blocker = [] { return std::make_pair(std::string("a lock on s.t is held by pid 42 (app@host)"), 42); };
  LockTimeout last;
  auto end = retry.run([&](int) { return ++tries, false; }, hooks, &last);
  EXPECT_EQ(end, LockRetry::End::GaveUp);
  EXPECT_EQ(tries, 3);
  EXPECT_EQ(waits, 2);
  EXPECT_TRUE(last.last());
  EXPECT_EQ(last.next, Millis(0));
  EXPECT_EQ(last.blocker_pid, 42);
  EXPECT_EQ(last.gave_up(), "gave up after 3 attempts (each waited 2.0s for a lock); a lock on s.t is held by pid 42 (app@host)");
}

TEST(LockRetry, AnInterruptedWaitEndsTheRetries) {
  LockRetry retry(policy(5), [](int) { return Millis(5); });
  int tries = 0;
  LockRetry::Hooks hooks;
  hooks.wait = [](Millis) { return false; };
  EXPECT_EQ(retry.run([&](int) { return ++tries, false; }, hooks), LockRetry::End::Interrupted);
  EXPECT_EQ(tries, 1);
}

TEST(LockRetry, TheOneLineNamesTheFileTheWaitTheBlockerAndTheNextAttempt) {
  LockRetry retry(policy(2, Millis(300)), [](int) { return Millis(187); });
  LockTimeout t = retry.timed_out(1, "a lock on s.t is held by pid 7 (idle in transaction)", 7);
  EXPECT_FALSE(t.last());
  EXPECT_EQ(t.retry_line("0002_alter.sql"),
            "lock timeout on 0002_alter.sql (waited 300ms for a lock; a lock on s.t is held by pid 7 (idle in "
            "transaction)); attempt 1 of 3, next in 187ms");
  LockTimeout nobody = retry.timed_out(2, "", 0);
  EXPECT_EQ(nobody.retry_line(""), "lock timeout (waited 300ms for a lock); attempt 2 of 3, next in 187ms");
  LockRetry table(LockRetryPolicy::of(Millis(2000), 0, "a table lock"));
  EXPECT_EQ(table.timed_out(1, "", 0).gave_up(), "gave up after 1 attempt (each waited 2.0s for a table lock)");
}

TEST(LockRetry, WithoutABackoffOfItsOwnItWaitsLockBackoff) {
  LockRetry retry(policy(8));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Millis next = retry.timed_out(attempt, "", 0).next;
    long long step = 250LL << (attempt - 1);  // doubling from 250 ms, a point in the upper half
    EXPECT_GE(next.count(), step / 2);
    EXPECT_LE(next.count(), step);
  }
}

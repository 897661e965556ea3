#pragma once
// How long to wait before trying again after a lock timeout (GitLab's with_lock_retries, pgroll and
// Reshape do the same): doubling from 250 ms, capped at 30 s, at a random point in the upper half of
// that step, so runs that timed out together do not come back together.
#include <random>

#include "util/duration.h"

namespace orch {

// `retry` is 1 for the first retry.
Millis lock_backoff(int retry, std::mt19937& rng);

}  // namespace orch

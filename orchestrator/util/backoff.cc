#include "util/backoff.h"

#include <algorithm>

namespace orch {

Millis lock_backoff(int retry, std::mt19937& rng) {
  long long step = 250;
  for (int i = 1; i < retry && step < 30000; ++i) step *= 2;
  step = std::min<long long>(step, 30000);
  std::uniform_int_distribution<long long> upper_half(step / 2, step);
  return Millis(upper_half(rng));
}

}  // namespace orch

#pragma once
// Time as the scheduler and the waits see it; tests substitute a fake so durations are exact.
#include <chrono>

namespace orch {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

class SteadyClock : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace orch

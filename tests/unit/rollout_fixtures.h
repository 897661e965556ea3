#pragma once
// What the rollout unit tests build their fleets from: targets by name, and a wave.
#include <string>
#include <utility>
#include <vector>

#include "manifest/manifest.h"
#include "targets/targets.h"

namespace orch::testing {

inline std::vector<ResolvedTarget> targets(std::vector<std::string> names) {
  std::vector<ResolvedTarget> out;
  for (auto& n : names) out.push_back({n, "postgresql://h/" + n, false});
  return out;
}

inline RolloutWave wave(std::string name, std::vector<std::string> patterns, int parallel, int budget) {
  RolloutWave w;
  w.name = std::move(name);
  w.targets = std::move(patterns);
  w.max_parallel = parallel;
  w.max_failures = budget;
  return w;
}

}  // namespace orch::testing

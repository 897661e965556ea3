#pragma once
// The engine side of `orchestrate rollout`: what a rollout needs before it asks anyone anything (its
// waves' targets, its timings, where it starts from), then the run of its waves through UpEngine on each
// target. cli/cmd_rollout.cc keeps the options, the questions and the printing.
#include <filesystem>
#include <memory>
#include <string>

#include "engine/rollout_engine.h"
#include "engine/rollout_start.h"
#include "engine/up_target_executor.h"

namespace orch {

struct PreparedRollout {
  WaveTargets targets;
  RolloutTimings timings;
  RolloutStart start;
  std::filesystem::path state_dir;  // .orchestrate/rollouts: the local state (and the logs' neighbour)
};

// Usage errors (exit 2: no waves, a wave matching nothing, a bad timing variable) or the start's own.
Result<PreparedRollout> prepare_rollout(const Manifest& m, const std::string& run_id, const std::string& resume);

// Runs every wave: `up` on each target with a printer from `printers`, into `stream` too when given,
// reporting to `observer`. Returns why this worker stopped early (its state database was lost), or "".
std::string run_rollout_waves(const Manifest& m, PreparedRollout& p, const UpConfig& base, TargetPrinterFactory printers,
                              RolloutObserver& observer, const std::shared_ptr<EventStream>& stream, CancelHub& hub);

}  // namespace orch

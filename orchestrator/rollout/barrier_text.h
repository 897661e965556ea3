#pragma once
// What a worker waiting at a wave's barrier says, every so often, so that a stalled worker (a stopped
// process, a pod cut off while its TCP session stays open) does not stall the fleet in silence.
#include <string>

#include "rollout/rollout_state.h"
#include "util/duration.h"

namespace orch {

// A worker not heard from for this long is called out as possibly stopped or cut off.
constexpr Millis kSilentWorker{10000};

// "wave rest: waiting 30s (since 12:00:01) for 2 targets: t3 on worker-0@pod-a (running since
// 2026-11-30T11:59:58Z; no heartbeat for 31s: stopped or cut off?), t5 on worker-1@pod-b (running since ...)"
std::string barrier_wait_text(const WaveOutcome& wave, Millis waited, const std::string& since);

}  // namespace orch

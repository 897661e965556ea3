#pragma once
// The production TargetExecutor: `up` on one target through UpEngine, with a printer of its own per
// target (a dashboard row, or plain lines prefixed with the target's name).
#include <functional>
#include <memory>

#include "engine/rollout_engine.h"
#include "engine/up_engine.h"

namespace orch {

using TargetPrinterFactory = std::function<std::unique_ptr<StatusPrinter>(const ResolvedTarget&)>;
// Told of each target's finished `up` (the event stream's run-finished and RLS events, as `up` has them).
using TargetFinished = std::function<void(const ResolvedTarget&, const std::string& run_id, const UpOutcome&)>;

class EventStream;
// Each target's run into the event stream too (docs/events.md: target = the target's name): wraps
// `printers` and `finished` so they also write to `stream`.
void with_event_stream(std::shared_ptr<EventStream> stream, TargetPrinterFactory& printers, TargetFinished& finished);

class UpTargetExecutor : public TargetExecutor {
 public:
  UpTargetExecutor(const Manifest& m, UpConfig base, TargetPrinterFactory printers, TargetFinished finished = {})
      : m_(m), base_(std::move(base)), printers_(std::move(printers)), finished_(std::move(finished)) {}
  TargetRun run(const ResolvedTarget& target, const std::string& history_run_id, CancelHub& cancel) override;

 private:
  std::string rehearse_first(const ResolvedTarget& target, StatusPrinter& printer, CancelHub& cancel);
  const Manifest& m_;
  UpConfig base_;
  TargetPrinterFactory printers_;
  TargetFinished finished_;
};

// What a finished `up` says about its target: the state and the first failure's one-line cause.
TargetRun summarize_target(const UpOutcome& r);

}  // namespace orch

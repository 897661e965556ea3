#pragma once
// The production TargetExecutor: `up` on one target through UpEngine, with a printer of its own per
// target (a dashboard row, or plain lines prefixed with the target's name).
#include <functional>
#include <memory>

#include "engine/rollout_engine.h"
#include "engine/up_engine.h"

namespace orch {

using TargetPrinterFactory = std::function<std::unique_ptr<StatusPrinter>(const ResolvedTarget&)>;

class UpTargetExecutor : public TargetExecutor {
 public:
  UpTargetExecutor(const Manifest& m, UpConfig base, CancelHub& hub, TargetPrinterFactory printers)
      : m_(m), base_(std::move(base)), hub_(hub), printers_(std::move(printers)) {}
  TargetRun run(const ResolvedTarget& target, const std::string& history_run_id) override;

 private:
  const Manifest& m_;
  UpConfig base_;
  CancelHub& hub_;
  TargetPrinterFactory printers_;
};

// What a finished `up` says about its target: the state and the first failure's one-line cause.
TargetRun summarize_target(const UpOutcome& r);

}  // namespace orch

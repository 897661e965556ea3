#include "engine/rollout_command.h"

namespace orch {

Result<PreparedRollout> prepare_rollout(const Manifest& m, const std::string& run_id, const std::string& resume) {
  constexpr int kUsage = 2;
  if (m.rollout.empty()) return Error{m.file.string() + " has no [[rollout.wave]]; see docs/rollout.md", "", "", kUsage};
  auto usage = [](Error e) {
    e.exit_code = kUsage;
    return e;
  };
  auto known = all_targets(m);
  if (!known) return usage(known.error());
  auto targets = expand_waves(m.rollout, *known);
  if (!targets) return usage(targets.error());
  auto timings = rollout_timings_from_env();
  if (!timings) return usage(timings.error());
  PreparedRollout p;
  p.state_dir = m.dir / ".orchestrate" / "rollouts";
  auto start = start_rollout(m, *targets, RolloutRequest{run_id, resume, p.state_dir, *timings});
  if (!start) return start.error();
  p.targets = std::move(*targets);
  p.timings = *timings;
  p.start = std::move(*start);
  return p;
}

std::string run_rollout_waves(const Manifest& m, PreparedRollout& p, const UpConfig& base, TargetPrinterFactory printers,
                              RolloutObserver& observer, const std::shared_ptr<EventStream>& stream, CancelHub& hub) {
  TargetFinished finished;
  if (stream) with_event_stream(stream, printers, finished);
  UpTargetExecutor executor(m, base, printers, finished);
  RolloutEngine engine(executor, observer, hub);
  engine.use_store(p.start.shared.get(), p.start.worker);
  engine.stall_report_every(p.timings.stall_report);
  engine.run(p.start.state, p.targets);
  return hub.cancelled() ? "" : engine.failure();
}

}  // namespace orch

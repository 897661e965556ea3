// `orchestrate rollout`: waves of targets in order (staging, canary, the rest), targets inside a wave
// at once up to its max_parallel, halting when a wave exceeds its error budget (engine/rollout_engine).
#include <iostream>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/printer_factory.h"
#include "status/plain_printer.h"
#include "status/terminal_caps.h"
#include "cli/rollout_view.h"
#include "cli/selection.h"
#include "cli/session_open.h"
#include "engine/rollout_engine.h"
#include "engine/up_target_executor.h"
#include "status/run_logs.h"
#include "util/secrets.h"

namespace orch {

namespace {

// A new rollout, or the saved one on --resume (whose outcome may be "succeeded": nothing to do).
Result<RolloutState> starting_state(const Manifest& m, const WaveTargets& targets, const std::string& resume,
                                    const std::filesystem::path& dir) {
  RolloutState st;
  if (resume.empty()) {
    st.run_id = new_run_id();
    st.project = m.project_name;
    st.started_at = iso8601_now();
    return merge_resume(m.rollout, targets, st);
  }
  try {
    st = RolloutState::load(dir, resume);
  } catch (const std::exception& e) {  // the state file's JSON
    return Error{e.what(), "", "", exit_code::kUsage};
  }
  if (st.outcome == "succeeded") return st;
  ++st.attempt;
  st.outcome = "running";
  st.halted_reason.clear();
  st.finished_at.clear();
  return merge_resume(m.rollout, targets, st);
}

}  // namespace

int run_rollout(const GlobalOptions& g, const RolloutOptions& o) {
  if (!g.targets.empty()) {
    std::cerr << "error: rollout takes its targets from [[rollout.wave]], not --target\n";
    return exit_code::kUsage;
  }
  auto loaded = load_for_command(g, false);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  if (m.rollout.empty()) {
    std::cerr << "error: " << m.file.string() << " has no [[rollout.wave]]; see docs/rollout.md\n";
    return exit_code::kUsage;
  }
  auto lock_wait = flag_duration("--lock-wait", o.lock_wait);
  if (!lock_wait) return exit_code::kUsage;
  auto known = all_targets(m);
  if (!known) {
    print_error(known.error());
    return exit_code::kUsage;
  }
  auto targets = expand_waves(m.rollout, *known);
  if (!targets) {
    print_error(targets.error());
    return exit_code::kUsage;
  }
  const auto state_dir = m.dir / ".orchestrate" / "rollouts";
  auto st = starting_state(m, *targets, o.resume, state_dir);
  if (!st) {
    print_error(st.error());
    return st.error().exit_code;
  }
  if (st->outcome == "succeeded") {
    std::cout << "rollout " << st->run_id << " already succeeded; nothing to resume\n";
    return exit_code::kOk;
  }
  std::vector<ResolvedTarget> to_change;
  for (size_t w = 0; w < st->waves.size(); ++w)
    for (size_t i = 0; i < st->waves[w].targets.size(); ++i)
      if (st->waves[w].targets[i].state != "succeeded") to_change.push_back((*targets)[w][i]);
  if (auto asked = confirm_protected(m, to_change, o.yes); !asked) return asked.error().exit_code;
  if (o.pause && !TerminalCaps::current().can_ask()) {
    std::cerr << "error: --pause asks before each wave, and there is no terminal to ask on\n";
    return exit_code::kUsage;
  }

  CancelHub hub;
  SignalWatcher watcher(hub, [](int n) {
    std::cerr << (n == 1 ? "\ninterrupted: no new target starts; running targets stop and roll back\n" : "\nalready stopping\n");
  });
  st->save(state_dir);
  std::cout << "rollout " << st->run_id << (st->attempt > 1 ? " (resumed, attempt " + std::to_string(st->attempt) + ")" : "")
            << ": " << st->waves.size() << " waves, state in " << (state_dir / (st->run_id + ".json")).string() << "\n";
  RolloutView view(m, *st, state_dir, use_dashboard(g) && !o.pause, o.pause, want_color(1));
  UpConfig base;
  base.selected = *select_services(m, {});
  base.jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);
  base.lock_wait = *lock_wait;
  UpTargetExecutor executor(m, base, hub, view.printers());
  RolloutEngine(executor, view, hub).run(*st, *targets);
  view.finish(*st, std::cout);
  if (st->outcome == "interrupted") return exit_code::kInterrupted;
  return st->outcome == "succeeded" ? exit_code::kOk : exit_code::kFailed;
}

}  // namespace orch

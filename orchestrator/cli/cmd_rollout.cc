// `orchestrate rollout`: waves of targets in order (staging, canary, the rest), targets inside a wave
// at once up to its max_parallel, halting when a wave exceeds its error budget (engine/rollout_engine).
#include <iostream>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/printer_factory.h"
#include "status/plain_printer.h"
#include "status/terminal_caps.h"
#include "cli/rollout_view.h"
#include "cli/selection.h"
#include "cli/session_open.h"
#include "engine/rollout_command.h"
#include "status/run_logs.h"
#include "util/secrets.h"

namespace orch {

namespace {

struct RolloutOptions {
  std::string resume;  // a run id
  std::string run_id;  // --run-id: create or join this rollout (every worker runs the same command)
  std::string watch;   // --watch ID: follow a shared rollout from the state database
  std::string format = "text";
  bool pause = false;
  bool yes = false;
  int jobs = 0;
  std::string lock_wait = "60s";
};

int run_rollout(const GlobalOptions& g, const RolloutOptions& o) {
  if (!o.watch.empty()) return run_rollout_watch(g, o.watch, o.format);
  if (!g.targets.empty()) {
    std::cerr << "error: rollout takes its targets from [[rollout.wave]], not --target\n";
    return exit_code::kUsage;
  }
  auto loaded = load_for_command(g, false);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  auto lock_wait = flag_duration("--lock-wait", o.lock_wait);
  if (!lock_wait) return exit_code::kUsage;
  auto prepared = prepare_rollout(m, o.run_id, o.resume);
  if (!prepared) {
    print_error(prepared.error());
    return prepared.error().exit_code;
  }
  const RolloutStart& start = prepared->start;
  RolloutState& st = prepared->start.state;
  if (start.ended) return report_ended(m, st, want_color(1));
  if (auto asked = confirm_protected(m, targets_to_change(st, prepared->targets), o.yes); !asked) return asked.error().exit_code;
  if (o.pause && !TerminalCaps::current().can_ask()) {
    std::cerr << "error: --pause asks before each wave, and there is no terminal to ask on\n";
    return exit_code::kUsage;
  }

  CancelHub hub;
  SignalWatcher watcher(hub, [](int n) {
    std::cerr << (n == 1 ? "\ninterrupted: no new target starts; running targets stop and roll back\n" : "\nalready stopping\n");
  });
  if (!start.shared) st.save(prepared->state_dir);
  std::cout << "rollout " << st.run_id << (st.attempt > 1 ? " (attempt " + std::to_string(st.attempt) + ")" : "")
            << (start.shared ? (start.created ? ": created by " : ": joined by ") + start.worker : std::string()) << ": "
            << st.waves.size() << " waves, state in " << start.where << "\n";
  RolloutView view(m, st, prepared->state_dir, use_dashboard(g) && !o.pause, o.pause, want_color(1));
  UpConfig base;
  base.selected = *select_services(m, {});
  base.jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);
  base.lock_wait = *lock_wait;
  const std::string why = run_rollout_waves(m, *prepared, base, view.printers(), view, g.stream, hub);
  view.finish(st, std::cout, why);
  if (!why.empty()) {
    std::cerr << "error: " << why << "\n  this worker stopped: its running targets were stopped (rolled back) and are "
              << "left to the other workers, which take them over; to go on later: orchestrate rollout --run-id "
              << st.run_id << "\n";
    return exit_code::kFailed;
  }
  return rollout_exit_code(st, hub.cancelled());
}

}  // namespace

CommandRun define_rollout(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<RolloutOptions>();
  c.add_option("--resume", o->resume, "continue a halted or interrupted rollout by its run id");
  c.add_option("--run-id", o->run_id, "create or join this rollout ([rollout] state: every worker runs the same command)");
  c.add_option("--watch", o->watch, "follow a shared rollout from its state database until it ends");
  c.add_option("--format", o->format, "with --watch: text (default) or json (the state, once)")
      ->check(CLI::IsMember({"text", "json"}));
  c.add_flag("--pause", o->pause, "ask before each wave after the first, showing the previous wave's results");
  c.add_flag("-y,--yes", o->yes, "change protected targets without asking");
  c.add_option("-j,--jobs", o->jobs, "services migrated at once on each target")->check(CLI::Range(1, 256));
  c.add_option("--lock-wait", o->lock_wait, "how long each target waits for its run lock")->capture_default_str();
  return [o, &g = env.g] { return run_rollout(g, *o); };
}

}  // namespace orch

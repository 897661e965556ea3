// orchestrate: migrates the databases of many services as one operation.
#include <iostream>

#include "cli/cli_app.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  using namespace orch;
  CLI::App app{"orchestrate: migrate every service's database schema as one operation, in dependency order"};
  Cli c;
  define_cli(app, c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_code::kOk : exit_code::kUsage;
  }
  if (!c.g.events.empty()) {  // before anything prints: `--events -` moves people's lines to stderr
    auto stream = EventStream::open(c.g.events);
    if (!stream) {
      std::cerr << "error: " << stream.error().text() << "\n";
      return exit_code::kUsage;
    }
    c.g.stream = *stream;
  }
  if (*c.version) {
    std::cout << "orchestrate " ORCHESTRATE_VERSION "\n";
    return exit_code::kOk;
  }
  if (*c.up) return run_up(c.g, c.up_opts);
  if (*c.status) return run_status(c.g, c.status_opts);
  if (*c.rls) return run_rls(c.g, c.rls_opts);
  if (*c.history) return run_history(c.g, c.history_opts);
  if (*c.check) return run_check(c.g, c.check_opts);
  if (*c.plan) return run_plan(c.g, c.plan_opts);
  if (*c.down) return run_down(c.g, c.down_opts);
  if (*c.rollout) return run_rollout(c.g, c.rollout_opts);
  if (*c.baseline) return run_baseline(c.g, c.baseline_opts);
  if (*c.completion) return run_completion(app, c.g, c.completion_opts);
  if (*c.init) return run_init(c.g, c.init_opts);
  return exit_code::kUsage;
}

// orchestrate: migrates the databases of many services as one operation.
#include <signal.h>

#include <iostream>

#include "cli/cli_app.h"
#include "cli/exit_codes.h"

namespace {

void on_sigpipe(int) {}

// A reader that goes away (`orchestrate up | head -2`, an --events consumer that died) must not kill
// the run with SIGPIPE halfway: the remaining services would not run and the history row would stay
// `running`. A write to it fails with EPIPE instead: stdout then stops printing (the stream goes bad)
// and the event stream warns (EventStream::emit). A no-op handler rather than SIG_IGN, because an
// ignored signal stays ignored across exec and the children (Alembic, command services) should get the
// default; a caught one is reset there.
void survive_closed_pipes() {
  struct sigaction sa {};
  sa.sa_handler = on_sigpipe;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGPIPE, &sa, nullptr);
}

int dispatch(const CLI::App& app, orch::Cli& c) {
  using namespace orch;
  if (*c.version) {
    std::cout << "orchestrate " ORCHESTRATE_VERSION "\n";
    return exit_code::kOk;
  }
  if (*c.up) return run_up(c.g, c.up_opts);
  if (*c.rehearse) return run_rehearse(c.g, c.rehearse_opts);
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

}  // namespace

int main(int argc, char** argv) {
  using namespace orch;
  survive_closed_pipes();
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
  int rc = dispatch(app, c);
  // Events that could not be written (a full disk, a consumer gone) were a warning during the run, which
  // went on and recorded its history; a caller reading the stream must still learn it is incomplete.
  if (c.g.stream && c.g.stream->failed() && rc == exit_code::kOk) rc = exit_code::kFailed;
  return rc;
}

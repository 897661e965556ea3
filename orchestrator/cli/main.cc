// orchestrate: migrates the databases of many services as one operation.
#include <signal.h>

#include <iostream>

#include "cli/cli_app.h"
#include "cli/session_open.h"
#include "util/exit_codes.h"
#include "util/fatal.h"

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
  int rc;
  try {
    rc = run_selected(c);
  } catch (const Fatal& f) {  // the tier that ends the command (util/fatal.h)
    print_error(f.error());
    return f.error().exit_code;
  }
  // Events that could not be written (a full disk, a consumer gone) were a warning during the run, which
  // went on and recorded its history; a caller reading the stream must still learn it is incomplete.
  if (c.g.stream && c.g.stream->failed() && rc == exit_code::kOk) rc = exit_code::kFailed;
  return rc;
}

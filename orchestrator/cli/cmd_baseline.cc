// `orchestrate baseline`: records a service as being at a revision without running anything (Alembic's
// stamp). Like `down`, it lists what it will do, asks on a terminal (or needs --yes), takes the run lock
// and records a run (engine/down_engine).
#include <iostream>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/manifest_loading.h"
#include "cli/selection.h"
#include "cli/session_open.h"
#include "engine/down_engine.h"
#include "inspect/status_inspector.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"
#include "util/exit_codes.h"

namespace orch {

namespace {

struct BaselineOptions {
  std::string service;
  std::string to;
  bool force = false;
  bool yes = false;
  std::string lock_wait = "60s";
};

int baseline_command(const GlobalOptions& g, const BaselineOptions& o) {
  auto loaded = load_for_command(g, true, "baseline");
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  int idx = service_index_or_explain(m, o.service, "");
  if (idx < 0) return exit_code::kUsage;
  const ServiceSpec& s = m.services[idx];
  StatusReport st = inspect_status(m, loaded->database_url, loaded->target_name);
  if (auto ok = check_baseline(m, idx, o.to, o.force, st.services[idx]); !ok) {
    print_error(ok.error());
    return ok.error().exit_code;
  }
  std::cout << "will record " << s.name << " as being at " << o.to << " without running any migration\n";
  if (auto asked = confirm("baseline " + s.name, o.yes); !asked) return asked.error().exit_code;
  PlainPrinter printer(std::cout, 11, want_color(1));
  auto session = open_session(*loaded, new_run_id(), "baseline", o.lock_wait, printer);
  if (!session) return session.error().exit_code;
  auto done = run_baseline(**session, m, idx, o.to, o.force, st.services[idx],
                           [&](const ServiceSpec& sv, const std::string& l) { printer.service_line(sv, l); });
  session->reset();
  if (!done.ok()) {
    std::cerr << "error: baseline of " << s.name << " failed: " << done.report.services.front().result.error << "\n";
    return exit_code::kFailed;
  }
  std::cout << now_at_line(done.after.services[idx]) << "\n";
  return exit_code::kOk;
}

}  // namespace

CommandRun define_baseline(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<BaselineOptions>();
  c.add_option("service", o->service, "the service")->required();
  c.add_option("--to", o->to, "the revision (alembic), version (sql), or head")->required();
  c.add_flag("--force", o->force, "even when the service is already versioned");
  c.add_flag("-y,--yes", o->yes, "do not ask for confirmation (required without a terminal)");
  c.add_option("--lock-wait", o->lock_wait, "how long to wait for another run's lock")->capture_default_str();
  return [o, &g = env.g] { return baseline_command(g, *o); };
}

}  // namespace orch

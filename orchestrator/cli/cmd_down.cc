// `orchestrate down`: moves a service's recorded version backwards (and its dependents' with --cascade).
// Like `baseline`, it lists what it will do, asks on a terminal (or needs --yes), takes the run lock
// and records a run (engine/down_engine).
#include <iostream>

#include "cli/commands.h"
#include "cli/confirm.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/selection.h"
#include "cli/session_open.h"
#include "engine/down_engine.h"
#include "graph/service_graph.h"
#include "inspect/status_inspector.h"
#include "migration_kind.h"
#include "report/run_report.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"
#include "util/text.h"

namespace orch {

namespace {

struct DownOptions {
  std::string service;
  std::string to;  // empty: one step; "base"; a revision
  bool cascade = false;
  bool yes = false;
  std::string lock_wait = "60s";
};

void list_down_steps(const Manifest& m, int target, bool cascade, const std::vector<DownStep>& steps,
                     const StatusReport& st) {
  std::vector<std::string> dep_names;
  for (int d : ServiceGraph(m.services).transitive_dependents(target)) dep_names.push_back(m.services[d].name);
  std::cout << "services that depend on " << m.services[target].name << ": "
            << (dep_names.empty() ? "none" : join(dep_names, ", ")) << "\n";
  if (!dep_names.empty() && !cascade) std::cout << "  they are left as they are; --cascade downgrades them first\n";
  std::cout << "will downgrade:\n";
  for (const auto& s : steps) {
    std::string what = s.to == "-1" ? "one step" : s.to == "base" ? "to base (everything)" : "to " + s.to;
    std::cout << "  " << m.services[s.service].name << ": from " << format_revisions(st.services[s.service].current) << " "
              << what << "\n";
  }
}

int run_down(const GlobalOptions& g, const DownOptions& o) {
  auto loaded = load_for_command(g, true, "down");
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  int target = service_index_or_explain(m, o.service, "");
  if (target < 0) return exit_code::kUsage;
  if (!migration_kind(m.services[target].runner).tracks_versions()) {
    std::cerr << "error: " << m.services[target].name << " uses the " << m.services[target].runner
              << " runner; orchestrate cannot downgrade it\n";
    return exit_code::kUsage;
  }
  StatusReport st = inspect_status(m, loaded->database_url, loaded->target_name);
  auto steps = down_steps(m, target, o.cascade, o.to);
  list_down_steps(m, target, o.cascade, steps, st);
  if (auto asked = confirm("downgrade " + std::to_string(steps.size()) + " service" + (steps.size() == 1 ? "" : "s"), o.yes);
      !asked)
    return asked.error().exit_code;

  PlainPrinter printer(std::cout, 11, want_color(1));
  auto session = open_session(*loaded, new_run_id(), "down", o.lock_wait, printer);
  if (!session) return session.error().exit_code;
  auto done = run_down_steps(**session, m, steps, st,
                             [&](const ServiceSpec& s, const std::string& l) { printer.service_line(s, l); });
  session->reset();
  std::cout << "\n";
  for (const auto& step : steps) std::cout << now_at_line(done.after.services[step.service]) << "\n";
  const int code = done.ok() ? exit_code::kOk : exit_code::kFailed;
  if (g.stream) g.stream->steps_finished(done.report, code);
  return code;
}

}  // namespace

CommandRun define_down(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<DownOptions>();
  c.add_option("service", o->service, "the service")->required();
  c.add_option("--to", o->to, "a revision (alembic) or version (sql), or base");
  c.add_flag("--cascade", o->cascade, "downgrade every dependent first, in reverse dependency order");
  c.add_flag("-y,--yes", o->yes, "do not ask for confirmation (required without a terminal)");
  c.add_option("--lock-wait", o->lock_wait, "how long to wait for another run's lock")->capture_default_str();
  return [o, &g = env.g] { return run_down(g, *o); };
}

}  // namespace orch

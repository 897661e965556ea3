// `orchestrate plan`: what `up` would do, without doing it; `--sql` prints the SQL itself.
#include <iostream>

#include "cli/commands.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/session_open.h"
#include "engine/plan_engine.h"
#include "inspect/status_inspector.h"
#include "report/plan_report.h"

namespace orch {

namespace {

struct PlanCliOptions {
  bool sql = false;
  std::string format = "text";
  int jobs = 0;
};

int run_plan(const GlobalOptions& g, const PlanCliOptions& o) {
  auto loaded = load_for_command(g, true, "plan");
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  int jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);
  auto plan = make_plan(m, inspect_status(m, loaded->database_url, loaded->target_name), jobs);
  if (!plan) {
    print_error(plan.error());
    return exit_code::kFailed;
  }
  lint_plan(m, *plan, loaded->database_url);
  if (o.sql) {
    // Every service it can: one whose offline SQL fails is a comment block in the output, and exit 1.
    PlanSql sql = plan_sql(m, *plan, loaded->database_url);
    std::cout << sql.text << std::flush;
    if (!sql.failed.empty()) {
      for (const auto& f : sql.failed) std::cerr << "error: no SQL for " << f << "\n";
      print_error(Error{std::to_string(sql.failed.size()) + " service(s) without SQL; the rest is printed", "plan --sql",
                        "each one's block in the output says why"});
      return exit_code::kFailed;
    }
  } else if (o.format == "json") {
    render_plan_json(m, *plan, std::cout);
  } else {
    render_plan_text(m, *plan, std::cout);
  }
  return exit_code::kOk;
}

}  // namespace

CommandRun define_plan(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<PlanCliOptions>();
  c.add_flag("--sql", o->sql, "print the SQL that would run (Alembic offline mode, sql files, RLS), for review");
  c.add_option("--format", o->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  c.add_option("-j,--jobs", o->jobs, "as for up")->check(CLI::Range(1, 256));
  return [o, &g = env.g] { return run_plan(g, *o); };
}

}  // namespace orch

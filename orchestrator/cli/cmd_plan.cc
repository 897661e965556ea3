// `orchestrate plan`: what `up` would do, without doing it; `--sql` prints the SQL itself.
#include <iostream>

#include "cli/commands.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/session_open.h"
#include "engine/plan_engine.h"
#include "engine/plan_files.h"
#include "inspect/status_inspector.h"
#include "report/plan_report.h"
#include "util/text.h"

namespace orch {

namespace {

struct PlanCliOptions {
  bool sql = false;
  std::string out;         // --out DIR
  PlanFilesOptions files;  // --layout, --squash; dir from --out
  std::string format = "text";
  int jobs = 0;
};

// Everything is printed first; a service `up` would fail or refuse then makes the exit 3, as for `check`
// and `status --check` (a failure to produce the SQL itself, 1, stays 1).
int exit_for_errors(const std::vector<std::string>& errors, int code) {
  if (errors.empty()) return code;
  for (const auto& e : errors) std::cerr << "error: " << e << "\n";
  print_error(Error{counted(errors.size(), "service") + " that `up` would not migrate; the rest is planned above", "plan",
                    "`orchestrate check` says what to fix for each"});
  return code == exit_code::kOk ? exit_code::kFindings : code;
}

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
  int code = exit_code::kOk;
  if (!o.out.empty()) {
    // Files a runner applies unattended: none is written while a service `up` would not migrate.
    if (auto errors = services_in_error(*plan); !errors.empty()) {
      std::cerr << "error: nothing written to " << o.out << "\n";
      return exit_for_errors(errors, code);
    }
    PlanFilesOptions files = o.files;
    files.dir = o.out;
    auto written = write_plan_files(m, *plan, loaded->database_url, files, std::cout);
    if (!written) print_error(written.error());
    return written ? exit_code::kOk : written.error().exit_code;
  } else if (o.sql) {
    // Every service it can: one whose offline SQL fails is a comment block in the output, and exit 1.
    PlanSql sql = plan_sql(m, *plan, loaded->database_url);
    std::cout << sql.text << std::flush;
    if (!sql.failed.empty()) {
      for (const auto& f : sql.failed) std::cerr << "error: no SQL for " << f << "\n";
      print_error(Error{counted(sql.failed.size(), "service") + " without SQL; the rest is printed", "plan --sql",
                        "each one's block in the output says why"});
      code = exit_code::kFailed;
    }
  } else if (o.format == "json") {
    render_plan_json(m, *plan, std::cout);
  } else {
    render_plan_text(m, *plan, std::cout);
  }
  return exit_for_errors(services_in_error(*plan), code);
}

}  // namespace

CommandRun define_plan(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<PlanCliOptions>();
  auto* sql = c.add_flag("--sql", o->sql, "print the SQL that would run (Alembic offline mode, sql files, RLS), for review");
  auto* out = c.add_option("--out", o->out,
                           "with --sql: write one file per service per pending revision into DIR, named in apply order")
                  ->needs(sql);
  c.add_option("--layout", o->files.layout, "with --out: supabase (YYYYMMDDHHMMSS_name.sql, default) or flat (NNNN_name.sql)")
      ->check(CLI::IsMember({"supabase", "flat"}))
      ->needs(out);
  c.add_flag("--squash", o->files.squash, "with --out: one file per pending range instead of per revision")->needs(out);
  c.add_option("--format", o->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  c.add_option("-j,--jobs", o->jobs, "as for up")->check(CLI::Range(1, 256));
  return [o, &g = env.g] { return run_plan(g, *o); };
}

}  // namespace orch

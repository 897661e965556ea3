// `orchestrate check`: everything that can be checked without changing anything.
#include "cli/check_printers.h"
#include "cli/commands.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "engine/check_engine.h"
#include "status/plain_printer.h"

namespace orch {

namespace {

struct CheckOptions {
  bool strict = false;
  bool offline = false;  // files and runners only, no database
  bool lint = true;      // --no-lint skips the migration linter
  std::string format = "text";
};

int run_check(const GlobalOptions& g, const CheckOptions& o) {
  auto loaded = load_for_command(g, !o.offline, "check");
  if (!loaded) return exit_code::kUsage;
  auto p = make_check_printer(o.format, want_color(1));
  check_offline(loaded->manifest, *p);
  if (!o.offline) check_database(loaded->manifest, loaded->database_url, loaded->target_name, *p, o.lint);
  else if (o.lint) check_lint_offline(loaded->manifest, *p);
  p->finish(o.strict);
  if (p->errors > 0 || (o.strict && p->warnings > 0)) return exit_code::kFindings;
  return exit_code::kOk;
}

}  // namespace

CommandRun define_check(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<CheckOptions>();
  c.add_flag("--strict", o->strict, "warnings count as findings too");
  c.add_flag("--offline", o->offline, "check files and runners only; do not connect");
  c.add_flag("!--no-lint", o->lint, "skip the migration linter (docs/lint.md)");
  c.add_option("--format", o->format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  return [o, &g = env.g] { return run_check(g, *o); };
}

}  // namespace orch

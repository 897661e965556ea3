// `orchestrate check`: everything that can be checked without changing anything.
#include "cli/check_printers.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "engine/check_engine.h"
#include "status/plain_printer.h"

namespace orch {

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

}  // namespace orch

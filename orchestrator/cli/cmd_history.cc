// `orchestrate history`: the runs recorded in the database, newest first.
#include <iostream>

#include "cli/commands.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "db/database.h"
#include "db/db.h"
#include "db/db_error.h"
#include "history/history.h"
#include "report/history_report.h"
#include "util/secrets.h"

namespace orch {

namespace {

struct HistoryOptions {
  int limit = 20;
  std::string format = "table";
};

int run_history(const GlobalOptions& g, const HistoryOptions& o) {
  auto loaded = load_for_command(g, true, "history");
  if (!loaded) return exit_code::kUsage;
  const std::string& project = loaded->manifest.project_name;
  std::vector<RunRow> runs;
  try {
    auto c = connect_db(loaded->database_url, "orchestrate/history");
    runs = list_runs(*c, project, o.limit);
  } catch (const std::exception& e) {
    std::cerr << "error: " << db_error(e, "cannot read the history on " + secrets::redact_url(loaded->database_url)).message
              << "\n";
    return exit_code::kFailed;
  }
  if (o.format == "json") render_history_json(project, runs, std::cout);
  else if (runs.empty()) std::cout << "no runs recorded for " << project << " yet (orchestrate up records one)\n";
  else render_history_table(runs, std::cout);
  return exit_code::kOk;
}

}  // namespace

CommandRun define_history(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<HistoryOptions>();
  c.add_option("--limit", o->limit, "how many runs")->capture_default_str()->check(CLI::Range(1, 100000));
  c.add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  return [o, &g = env.g] { return run_history(g, *o); };
}

}  // namespace orch

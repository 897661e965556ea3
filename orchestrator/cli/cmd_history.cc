// `orchestrate history`: the runs recorded in the database, newest first; one run (services, then
// migrations); one service's migrations across runs.
#include <iostream>
#include <regex>

#include "cli/commands.h"
#include "cli/manifest_loading.h"
#include "db/database.h"
#include "db/db.h"
#include "db/db_error.h"
#include "history/history.h"
#include "history/history_query.h"
#include "history/history_report.h"
#include "util/duration.h"
#include "util/exit_codes.h"
#include "util/secrets.h"

namespace orch {

namespace {

struct HistoryOptions {
  int limit = 20;
  std::string format = "table";
  std::string run_id;   // one run's services and migrations
  std::string service;  // one service's migrations across runs
  bool failed = false;
  std::string since;    // a duration ("2h", "7d") or a date/time
};

// --since: a duration back from now, or a date with an optional time.
bool parse_since(const std::string& text, HistoryFilter& f) {
  if (text.empty()) return true;
  static const std::regex date(R"(\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}(:?\d{2})?)?)");
  if (std::regex_match(text, date)) {
    f.since_time = text;
    return true;
  }
  auto d = parse_duration(text);
  if (!d) {
    std::cerr << "error: --since \"" << text << "\" is neither a duration (30m, 2h, 7d) nor a date (2026-11-30)\n";
    return false;
  }
  f.since_ms = d->count();
  return true;
}

int show(const std::string& project, const HistoryOptions& o, Db& c, const HistoryFilter& f) {
  bool json = o.format == "json";
  if (!o.run_id.empty()) {
    auto d = read_run(c, project, o.run_id);
    if (!d) {
      std::cerr << "error: no run " << o.run_id << " of " << project << " is recorded here\n"
                << "hint: orchestrate history lists the runs (--target picks another database)\n";
      return exit_code::kFailed;
    }
    json ? render_run_detail_json(project, *d, std::cout) : render_run_detail_table(*d, std::cout);
    return exit_code::kOk;
  }
  if (!o.service.empty()) {
    auto ms = service_migrations(c, project, o.service, f);
    if (json) render_migrations_json(project, ms, std::cout);
    else if (ms.empty()) std::cout << "no migrations of " << o.service << " recorded yet\n";
    else render_migrations_table(ms, true, std::cout);
    return exit_code::kOk;
  }
  auto runs = list_runs(c, project, f);
  if (json) render_history_json(project, runs, std::cout);
  else if (runs.empty()) std::cout << "no runs recorded for " << project << " yet (orchestrate up records one)\n";
  else render_history_table(runs, std::cout);
  return exit_code::kOk;
}

int run_history(const GlobalOptions& g, const HistoryOptions& o) {
  auto loaded = load_for_command(g, true, "history");
  if (!loaded) return exit_code::kUsage;
  HistoryFilter f;
  f.limit = o.limit;
  f.failed_only = o.failed;
  if (!parse_since(o.since, f)) return exit_code::kUsage;
  if (!o.service.empty() && !loaded->manifest.find(o.service)) {
    std::cerr << "error: no service " << o.service << " in the manifest\n";
    return exit_code::kUsage;
  }
  try {
    auto c = connect_db(loaded->database_url, "orchestrate/history");
    return show(loaded->manifest.project_name, o, *c, f);
  } catch (const std::exception& e) {
    std::cerr << "error: " << db_error(e, "cannot read the history on " + secrets::redact_url(loaded->database_url)).message
              << "\n";
    return exit_code::kFailed;
  }
}

}  // namespace

CommandRun define_history(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<HistoryOptions>();
  c.add_option("--limit", o->limit, "how many runs")->capture_default_str()->check(CLI::Range(1, 100000));
  c.add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  c.add_option("run", o->run_id, "one run: its services, then its migrations");
  c.add_option("--service", o->service, "one service's migrations across runs");
  c.add_flag("--failed", o->failed, "only runs (or migrations) that failed");
  c.add_option("--since", o->since, "only since then: a duration (2h, 7d) or a date (2026-11-30)");
  return [o, &g = env.g] { return run_history(g, *o); };
}

}  // namespace orch

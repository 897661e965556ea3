// `orchestrate history`: the runs recorded in the database, newest first.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "db/database.h"
#include "db/db.h"
#include "history/history.h"
#include "util/duration.h"
#include "util/secrets.h"

#include <nlohmann/json.hpp>

namespace orch {

int run_history(const GlobalOptions& g, const HistoryOptions& o) {
  auto loaded = load_for_command(g, true, "history");
  if (!loaded) return exit_code::kUsage;
  std::vector<RunRow> runs;
  try {
    auto c = connect_db(loaded->database_url, "orchestrate/history");
    runs = list_runs(*c, loaded->manifest.project_name, o.limit);
  } catch (const std::exception& e) {
    std::cerr << "error: cannot read the history on " << secrets::redact_url(loaded->database_url) << ": "
              << first_error_line(e.what()) << "\n";
    return exit_code::kFailed;
  }
  if (o.format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : runs)
      arr.push_back({{"run_id", r.run_id}, {"command", r.command}, {"target", r.target}, {"started_at", r.started_at},
                     {"finished_at", r.finished_at.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.finished_at)},
                     {"duration_ms", r.duration_ms}, {"outcome", r.outcome}, {"os_user", r.os_user}, {"host", r.host},
                     {"orchestrate_version", r.version}, {"services", r.services}, {"applied", r.applied},
                     {"failed", r.failed}, {"skipped", r.skipped}});
    std::cout << nlohmann::ordered_json{{"schema_version", 1}, {"project", loaded->manifest.project_name}, {"runs", arr}}.dump(2)
              << "\n";
    return exit_code::kOk;
  }
  if (runs.empty()) {
    std::cout << "no runs recorded for " << loaded->manifest.project_name << " yet (orchestrate up records one)\n";
    return exit_code::kOk;
  }
  std::printf("%-24s %-8s %-21s %-9s %-12s %-24s %s\n", "RUN", "COMMAND", "STARTED", "DURATION", "OUTCOME", "WHO",
              "SERVICES");
  for (const auto& r : runs) {
    std::string outcome = r.outcome;
    if (outcome == "running") outcome = "running?";  // or killed: a run that never finished keeps this
    std::string who = r.os_user + "@" + r.host;
    if (who.size() > 24) who = who.substr(0, 23) + "~";
    std::printf("%-24s %-8s %-21s %-9s %-12s %-24s %d applied in %d services, %d failed, %d skipped\n", r.run_id.c_str(),
                r.command.c_str(), r.started_at.c_str(),
                r.finished_at.empty() ? "-" : format_duration(Millis(r.duration_ms)).c_str(), outcome.c_str(),
                who.c_str(), r.applied, r.services, r.failed, r.skipped);
  }
  return exit_code::kOk;
}

}  // namespace orch

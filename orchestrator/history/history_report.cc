#include "history/history_report.h"

#include <nlohmann/json.hpp>

#include "report/text_table.h"
#include "util/duration.h"

namespace orch {

void render_history_table(const std::vector<RunRow>& runs, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"RUN", "COMMAND", "STARTED", "DURATION", "OUTCOME", "WHO", "SERVICES"}};
  for (const auto& r : runs) {
    // A run that never finished (killed, or still going) keeps "running".
    std::string outcome = r.outcome == "running" ? "running?" : r.outcome;
    std::string who = r.os_user + "@" + r.host;
    if (who.size() > 24) who = who.substr(0, 23) + "~";
    rows.push_back({r.run_id, r.command, r.started_at, r.finished_at.empty() ? "-" : format_duration(Millis(r.duration_ms)),
                    outcome, who,
                    std::to_string(r.applied) + " applied in " + std::to_string(r.services) + " services, " +
                        std::to_string(r.failed) + " failed, " + std::to_string(r.skipped) + " skipped"});
  }
  write_table(out, rows);
}

void render_history_json(const std::string& project, const std::vector<RunRow>& runs, std::ostream& out) {
  using json = nlohmann::ordered_json;
  json arr = json::array();
  for (const auto& r : runs)
    arr.push_back({{"run_id", r.run_id}, {"command", r.command}, {"target", r.target}, {"started_at", r.started_at},
                   {"finished_at", r.finished_at.empty() ? json(nullptr) : json(r.finished_at)},
                   {"duration_ms", r.duration_ms}, {"outcome", r.outcome}, {"os_user", r.os_user}, {"host", r.host},
                   {"orchestrate_version", r.version}, {"services", r.services}, {"applied", r.applied},
                   {"failed", r.failed}, {"skipped", r.skipped}});
  out << json{{"schema_version", 1}, {"project", project}, {"runs", arr}}.dump(2) << "\n";
}

}  // namespace orch

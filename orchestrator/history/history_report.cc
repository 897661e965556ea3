#include "history/history_report.h"

#include <nlohmann/json.hpp>

#include "report/text_table.h"
#include "util/duration.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

using json = nlohmann::ordered_json;

std::string plural(int n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string ms_text(long long ms) { return ms < 0 ? "-" : format_duration(Millis(ms)); }

json or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(secrets::scrub(s)); }

json migration_json(const MigrationRow& m) {
  return {{"run_id", m.run_id}, {"target", m.target}, {"command", m.command}, {"who", m.who},
          {"service", m.service}, {"seq", m.seq}, {"migration", m.migration}, {"from", or_null(m.from)},
          {"file", or_null(m.file)}, {"checksum", or_null(m.checksum)}, {"started_at", m.started_at},
          {"duration_ms", m.duration_ms < 0 ? json(nullptr) : json(m.duration_ms)}, {"outcome", m.outcome},
          {"lock_timeouts", m.lock_timeouts}, {"error", or_null(m.error)}};
}

json run_json(const RunRow& r) {
  return {{"run_id", r.run_id}, {"command", r.command}, {"target", r.target}, {"started_at", r.started_at},
          {"finished_at", r.finished_at.empty() ? json(nullptr) : json(r.finished_at)},
          {"duration_ms", r.duration_ms}, {"outcome", r.outcome}, {"os_user", r.os_user}, {"host", r.host},
          {"orchestrate_version", r.version}, {"services", r.services}, {"applied", r.applied},
          {"failed", r.failed}, {"skipped", r.skipped}, {"changed", r.changed}, {"summary", run_counts(r)}};
}

}  // namespace

std::string run_counts(const RunRow& r) {
  std::string failed = r.failed ? ", " + std::to_string(r.failed) + " failed" : "";
  if (r.command == "down") return plural(r.changed, "reverted", "reverted") + failed;
  if (r.command == "baseline") return plural(r.changed, "baselined", "baselined") + failed;
  return std::to_string(r.applied) + " applied in " + plural(r.services, "service", "services") + ", " +
         std::to_string(r.failed) + " failed, " + std::to_string(r.skipped) + " skipped";
}

void render_history_table(const std::vector<RunRow>& runs, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {{"RUN", "COMMAND", "STARTED", "DURATION", "OUTCOME", "WHO", "SERVICES"}};
  for (const auto& r : runs) {
    // A run that never finished (killed, or still going) keeps "running".
    std::string outcome = r.outcome == "running" ? "running?" : r.outcome;
    std::string who = r.os_user + "@" + r.host;
    if (who.size() > 24) who = who.substr(0, 23) + "~";
    rows.push_back({r.run_id, r.command, r.started_at, r.finished_at.empty() ? "-" : format_duration(Millis(r.duration_ms)),
                    outcome, who, run_counts(r)});
  }
  write_table(out, rows);
}

void render_history_json(const std::string& project, const std::vector<RunRow>& runs, std::ostream& out) {
  json arr = json::array();
  for (const auto& r : runs) arr.push_back(run_json(r));
  out << json{{"schema_version", 1}, {"project", project}, {"runs", arr}}.dump(2) << "\n";
}

void render_migrations_table(const std::vector<MigrationRow>& ms, bool with_run, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back(with_run ? std::vector<std::string>{"RUN", "WHO", "SERVICE", "MIGRATION", "STARTED", "DURATION", "OUTCOME", "LOCK TIMEOUTS"}
                          : std::vector<std::string>{"SERVICE", "#", "MIGRATION", "STARTED", "DURATION", "OUTCOME", "LOCK TIMEOUTS"});
  for (const auto& m : ms) {
    std::vector<std::string> row;
    if (with_run) row = {m.run_id, m.who, m.service};
    else row = {m.service, std::to_string(m.seq)};
    for (const auto& c : {m.migration, m.started_at, ms_text(m.duration_ms), m.outcome, std::to_string(m.lock_timeouts)})
      row.push_back(c);
    rows.push_back(row);
  }
  write_table(out, rows);
  for (const auto& m : ms)
    if (!m.error.empty()) out << m.service << " " << m.migration << ": " << secrets::scrub(m.error) << "\n";
}

void render_run_detail_table(const RunDetail& d, std::ostream& out) {
  const RunRow& r = d.run;
  out << "run " << r.run_id << " (" << r.command << ") on " << r.target << " by " << r.os_user << "@" << r.host
      << ", orchestrate " << r.version << "\nstarted " << r.started_at
      << (r.finished_at.empty() ? ", not finished" : ", took " + format_duration(Millis(r.duration_ms))) << ": "
      << (r.outcome == "running" ? "running?" : r.outcome) << "; " << run_counts(r) << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"SERVICE", "RUNNER", "STATE", "APPLIED", "DURATION", "LOCK TIMEOUTS", "BEFORE", "AFTER"}};
  for (const auto& s : d.steps)
    rows.push_back({s.service, s.runner, s.state, std::to_string(s.applied), s.finished_at.empty() ? "-" : ms_text(s.duration_ms),
                    std::to_string(s.lock_timeouts), s.before.empty() ? "-" : join(s.before, "+"),
                    s.after.empty() ? "-" : join(s.after, "+")});
  write_table(out, rows);
  for (const auto& s : d.steps)
    if (!s.error.empty()) out << s.service << ": " << secrets::scrub(s.error) << "\n";
  if (d.migrations.empty()) return;
  out << "\n";
  render_migrations_table(d.migrations, false, out);
}

void render_run_detail_json(const std::string& project, const RunDetail& d, std::ostream& out) {
  json steps = json::array();
  for (const auto& s : d.steps)
    steps.push_back({{"service", s.service}, {"runner", s.runner}, {"state", s.state}, {"applied", s.applied},
                     {"duration_ms", s.duration_ms}, {"lock_timeouts", s.lock_timeouts}, {"before", s.before},
                     {"after", s.after}, {"started_at", or_null(s.started_at)}, {"finished_at", or_null(s.finished_at)},
                     {"error", or_null(s.error)}});
  json migs = json::array();
  for (const auto& m : d.migrations) migs.push_back(migration_json(m));
  json j = run_json(d.run);
  j["steps"] = steps;
  j["migrations"] = migs;
  out << json{{"schema_version", 1}, {"project", project}, {"run", j}}.dump(2) << "\n";
}

void render_migrations_json(const std::string& project, const std::vector<MigrationRow>& ms, std::ostream& out) {
  json migs = json::array();
  for (const auto& m : ms) migs.push_back(migration_json(m));
  out << json{{"schema_version", 1}, {"project", project}, {"migrations", migs}}.dump(2) << "\n";
}

}  // namespace orch

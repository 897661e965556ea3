#include "report/run_report.h"

#include "report/text_table.h"

#include <algorithm>

#include "util/duration.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

int RunReport::count(Outcome o) const {
  return static_cast<int>(std::count_if(services.begin(), services.end(),
                                        [o](const ServiceReport& s) { return s.result.outcome == o; }));
}

bool RunReport::all_succeeded() const {
  return !interrupted && count(Outcome::Failed) == 0 && count(Outcome::Skipped) == 0 &&
         count(Outcome::Interrupted) == 0;
}

static std::string state_text(const RunResult& r) {
  if (r.outcome == Outcome::Skipped) return "skipped (" + r.reason + ")";
  return to_string(r.outcome);
}

void render_rls_summary(const RlsResult& rls, std::ostream& out, bool color) {
  const char* red = color ? "\x1b[31m" : "";
  const char* green = color ? "\x1b[32m" : "";
  const char* yellow = color ? "\x1b[33m" : "";
  const char* off = color ? "\x1b[0m" : "";
  switch (rls.state) {
    case RlsState::NotConfigured:
      if (!rls.coverage.checked && rls.coverage.error.empty()) return;
      break;
    case RlsState::Skipped:
      out << '\n' << yellow << "RLS phase skipped" << off << ": " << rls.reason << '\n';
      return;
    case RlsState::Failed:
      out << '\n' << red << "RLS phase FAILED" << off << ": " << secrets::scrub(rls.reason) << '\n';
      return;
    case RlsState::Applied:
      out << '\n' << green << "RLS phase applied" << off << ": " << rls.files << " file" << (rls.files == 1 ? "" : "s")
          << " and declarative policies on " << rls.policy_tables << " table" << (rls.policy_tables == 1 ? "" : "s") << " ("
          << rls.statements << " statements) in one transaction\n";
      break;
    case RlsState::VerifiedOnly:
      out << '\n';
      break;
    case RlsState::Unchanged:
      out << '\n' << green << "RLS phase unchanged" << off << " since run " << rls.unchanged_since
          << " (same files, policies and tables): not re-applied\n";
      break;
  }
  const RlsCoverage& c = rls.coverage;
  if (!c.error.empty()) {
    out << red << "RLS verification failed" << off << ": " << c.error << '\n';
    return;
  }
  if (!c.checked) return;
  if (c.uncovered.empty() && c.schemas.empty()) {
    out << "RLS: nothing was verified: [rls] require names no schema; add require = [\"<schema>\", …] to have "
           "every table of those schemas checked for RLS and a policy\n";
  } else if (c.uncovered.empty()) {
    out << green << "RLS verified" << off << ": all " << c.tables_checked << " tables in " << join(c.schemas, ", ")
        << " have RLS enabled and a policy"
        << (c.excluded.empty() ? "" : "; not required ([rls] exclude): " + join(c.excluded, ", ")) << "\n";
  } else {
    out << red << "RLS verification FAILED" << off << ": " << c.problem_summary() << ":\n";
    for (const auto& u : c.uncovered) out << "    " << u.table << ": " << u.reason << '\n';
    out << "  add policies for them (a [[rls.policy]] or an RLS file), or list them in [rls] exclude\n";
  }
  if (!c.bypass_roles.empty())
    out << yellow << "warning" << off << ": roles that can log in and bypass RLS: " << join(c.bypass_roles, ", ")
        << " (they see every row; connect the application as a role without BYPASSRLS or superuser)\n";
}

void render_table(const RunReport& report, std::ostream& out, bool color) {
  const std::vector<std::string> head = {"SERVICE", "RUNNER", "SCHEMA", "REVISION", "APPLIED", "DURATION", "STATE"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : report.services) {
    const RunResult& r = s.result;
    std::string rev;
    bool ran = r.outcome != Outcome::Skipped;
    if (!ran) rev = "-";
    else if (r.before == r.after || r.after.empty()) rev = format_revisions(r.before);
    else rev = format_revisions(r.before) + " -> " + format_revisions(r.after);
    rows.push_back({s.name, s.runner, s.schema, elide(rev, 60), ran ? std::to_string(r.applied) : "-",
                    ran ? format_duration(r.duration) : "-", state_text(r)});
  }
  rows.insert(rows.begin(), head);
  out << '\n';
  write_table(out, rows, [&](size_t row, size_t col, const std::string&) -> const char* {
    if (!color || row == 0 || col + 1 != head.size()) return "";
    switch (report.services[row - 1].result.outcome) {
      case Outcome::Applied:
      case Outcome::UpToDate: return "\x1b[32m";
      case Outcome::Failed: return "\x1b[31m";
      default: return "\x1b[33m";
    }
  });

  int applied = 0;
  for (const auto& s : report.services) applied += s.result.applied;
  out << '\n'
      << counted(report.services.size(), "service") << ": " << report.count(Outcome::Applied) << " applied, "
      << report.count(Outcome::UpToDate) << " up-to-date, " << report.count(Outcome::Failed) << " failed, "
      << report.count(Outcome::Skipped) << " skipped";
  if (report.count(Outcome::Interrupted)) out << ", " << report.count(Outcome::Interrupted) << " interrupted";
  out << "; " << applied << " migration" << (applied == 1 ? "" : "s") << " applied in "
      << format_duration(report.duration) << " (run " << report.run_id << ")\n";

  render_rls_summary(report.rls, out, color);

  std::vector<std::string> logs;  // the log file of each service that did not finish
  for (const auto& s : report.services) {
    const RunResult& r = s.result;
    if (r.outcome != Outcome::Failed && r.outcome != Outcome::Interrupted) continue;
    out << '\n' << (r.outcome == Outcome::Failed ? "FAILED " : "INTERRUPTED ") << s.name << ": "
        << secrets::scrub(r.error) << '\n';
    for (const auto& d : r.details) out << "    " << secrets::scrub(d) << '\n';
    logs.push_back(s.name + ".log");
  }
  if (!report.log_dir.empty() && !logs.empty())
    out << "\nfull output: " << report.log_dir << "/"
        << (logs.size() == 1 ? logs[0] : "{" + join(logs, ",") + "}") << '\n';
  if (report.interrupted)
    out << (report.rehearsal ? "\ninterrupted: the rehearsal stopped; its shadow database is dropped and the target was not changed.\n"
                        : "\ninterrupted: services that did not finish rolled back their current migration; run `orchestrate up` again to finish.\n");
}

}  // namespace orch

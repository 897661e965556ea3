#include "report/formats.h"

#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "util/duration.h"
#include "util/clock_text.h"
#include "util/secrets.h"
#include "util/text.h"
#include "util/exit_codes.h"
#include "report/rehearsal_formats.h"
#include "report/run_outcome.h"

namespace orch {

using ojson = nlohmann::ordered_json;

static ojson rls_coverage_json(bool configured, const RlsCoverage& c) {
  ojson j;
  j["configured"] = configured;
  j["checked"] = c.checked;
  j["require"] = c.schemas;
  j["tables_checked"] = c.tables_checked;
  ojson un = ojson::array();
  for (const auto& u : c.uncovered) un.push_back(ojson{{"table", u.table}, {"reason", u.reason}});
  j["uncovered"] = un;
  j["bypass_roles"] = c.bypass_roles;
  j["error"] = c.error.empty() ? ojson(nullptr) : ojson(c.error);
  return j;
}

ojson status_to_json(const StatusReport& r) {
  ojson j;
  j["schema_version"] = 1;
  j["project"] = r.project;
  j["target"] = r.target;
  j["generated_at"] = r.generated_at;
  ojson services = ojson::array();
  for (const auto& s : r.services) {
    ojson o;
    o["name"] = s.name;
    o["runner"] = s.runner;
    o["schema"] = s.schema;
    o["state"] = to_string(s.state);
    o["current"] = s.current;
    o["heads"] = s.heads;
    o["pending"] = s.pending;
    o["target"] = s.target.empty() ? ojson(nullptr) : ojson(s.target);
    ojson branches = ojson::array();
    for (const auto& b : s.branches)
      branches.push_back(ojson{{"label", b.label}, {"current", b.current}, {"heads", b.heads}, {"pending", b.pending}});
    o["branches"] = branches;
    o["last_applied_at"] = s.last_applied_at.empty() ? ojson(nullptr) : ojson(s.last_applied_at);
    o["detail"] = s.detail.empty() ? ojson(nullptr) : ojson(secrets::scrub(s.detail));
    if (s.last_run)
      o["last_run"] = ojson{{"run_id", s.last_run->run_id}, {"state", s.last_run->state},
                            {"finished_at", s.last_run->finished_at}};
    else
      o["last_run"] = nullptr;
    services.push_back(o);
  }
  j["services"] = services;
  j["rls"] = rls_coverage_json(r.rls_configured, r.rls);
  j["run_in_progress"] = running_run_json(r.running);
  j["clean"] = r.clean();
  return j;
}

static std::string state_of(const RunResult& r) {
  return r.outcome == Outcome::Skipped ? "skipped" : to_string(r.outcome);
}

ojson run_to_json(const RunReport& r) {
  ojson j;
  j["schema_version"] = 1;
  j["kind"] = r.rehearsal ? "rehearsal" : "run";
  j["run_id"] = r.run_id;
  j["project"] = r.project;
  j["target"] = r.target;
  j["started_at"] = r.started_at;
  j["finished_at"] = r.finished_at;
  j["duration_ms"] = r.duration.count();
  j["outcome"] = to_string(run_outcome(r));
  ojson services = ojson::array();
  for (const auto& s : r.services) {
    ojson o;
    o["name"] = s.name;
    o["runner"] = s.runner;
    o["schema"] = s.schema;
    o["state"] = state_of(s.result);
    o["reason"] = s.result.reason.empty() ? ojson(nullptr) : ojson(s.result.reason);
    o["before"] = s.result.before;
    o["after"] = s.result.after;
    o["applied"] = s.result.applied;
    o["lock_timeouts"] = s.result.lock_timeouts;
    o["duration_ms"] = s.result.duration.count();
    o["error"] = s.result.error.empty() ? ojson(nullptr) : ojson(secrets::scrub(s.result.error));
    ojson details = ojson::array();
    for (const auto& d : s.result.details) details.push_back(secrets::scrub(d));
    o["details"] = details;
    if (r.rehearsal) o["locks"] = service_locks_json(*r.rehearsal, s.name);
    services.push_back(o);
  }
  j["services"] = services;
  ojson rls;
  rls["state"] = to_string(r.rls.state);
  rls["reason"] = r.rls.reason.empty() ? ojson(nullptr) : ojson(secrets::scrub(r.rls.reason));
  rls["files"] = r.rls.files;
  rls["statements"] = r.rls.statements;
  rls["policy_tables"] = r.rls.policy_tables;
  rls["coverage"] = rls_coverage_json(r.rls.state != RlsState::NotConfigured || r.rls.coverage.checked, r.rls.coverage);
  j["rls"] = rls;
  if (r.rehearsal) j["rehearsal"] = rehearsal_json(*r.rehearsal);
  return j;
}

static std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

static std::string md_revs(const std::vector<std::string>& v) {
  return v.empty() ? format_revisions(v) : "`" + format_revisions(v) + "`";
}

static void md_coverage(std::ostringstream& o, const RlsCoverage& c) {
  if (!c.error.empty()) {
    o << "RLS could not be verified: " << md_escape(c.error) << "\n";
    return;
  }
  if (!c.checked) return;
  if (c.uncovered.empty()) {
    o << "All " << c.tables_checked << " tables in " << join(c.schemas, ", ") << " are protected by RLS.\n";
  } else {
    o << "**" << c.problem_summary() << ":**\n\n";
    o << "| Table | Problem |\n| --- | --- |\n";
    for (const auto& u : c.uncovered) o << "| `" << u.table << "` | " << u.reason << " |\n";
  }
  if (!c.bypass_roles.empty())
    o << "\n> Warning: roles that can log in and bypass RLS: " << join(c.bypass_roles, ", ") << "\n";
}

std::string status_to_markdown(const StatusReport& r) {
  std::ostringstream o;
  o << "### " << r.project << " on " << r.target << (r.clean() ? ": up to date" : ": needs attention") << "\n\n";
  o << "| Service | Runner | Schema | Current | Head | Pending | State |\n| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& s : r.services)
    o << "| " << s.name << " | " << s.runner << " | " << s.schema << " | " << md_revs(s.current) << " | "
      << md_revs(s.heads) << " | " << s.pending.size() << " | " << s.state << " |\n";
  bool any = false;
  for (const auto& s : r.services) {
    if (s.detail.empty()) continue;
    if (!any) o << "\n";
    any = true;
    o << "- **" << s.name << "**: " << md_escape(secrets::scrub(s.detail)) << "\n";
  }
  if (r.rls_configured) {
    o << "\n#### Row-Level Security\n\n";
    md_coverage(o, r.rls);
  }
  o << "\n<sub>generated " << r.generated_at << " by orchestrate " ORCHESTRATE_VERSION "</sub>\n";
  return o.str();
}

std::string run_to_markdown(const RunReport& r) {
  std::ostringstream o;
  const char* verdict = to_string(run_outcome(r));
  if (r.rehearsal) o << "### orchestrate rehearse on " << r.target << ": " << rehearsal_verdict(*r.rehearsal) << "\n\n";
  else o << "### orchestrate up on " << r.target << ": " << verdict << "\n\n";
  o << "| Service | Runner | Schema | Revision | Applied | Duration | State |\n| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& s : r.services) {
    const RunResult& x = s.result;
    std::string rev = x.outcome == Outcome::Skipped ? "-"
                      : (x.before == x.after || x.after.empty()) ? md_revs(x.before)
                                                                  : md_revs(x.before) + " → " + md_revs(x.after);
    std::string state = x.outcome == Outcome::Skipped ? "skipped (" + x.reason + ")" : to_string(x.outcome);
    bool ran = x.outcome != Outcome::Skipped;
    o << "| " << s.name << " | " << s.runner << " | " << s.schema << " | " << rev << " | "
      << (ran ? std::to_string(x.applied) : "-") << " | " << (ran ? format_duration(x.duration) : "-") << " | " << state
      << " |\n";
  }
  for (const auto& s : r.services) {
    if (s.result.error.empty()) continue;
    o << "\n<details><summary><b>" << s.name << "</b>: " << md_escape(secrets::scrub(s.result.error))
      << "</summary>\n\n```\n";
    for (const auto& d : s.result.details) o << secrets::scrub(d) << "\n";
    o << "```\n</details>\n";
  }
  o << "\n#### Row-Level Security: " << to_string(r.rls.state) << "\n\n";
  if (!r.rls.reason.empty()) o << md_escape(secrets::scrub(r.rls.reason)) << "\n\n";
  md_coverage(o, r.rls.coverage);
  if (r.rehearsal) rehearsal_markdown(o, *r.rehearsal, r.target);
  o << "\n<sub>run " << r.run_id << ", " << format_duration(r.duration) << ", orchestrate " ORCHESTRATE_VERSION "</sub>\n";
  return o.str();
}

static std::string xml(const std::string& s) {
  std::string out;
  for (char c : secrets::scrub(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += c;
    }
  }
  return out;
}

static std::string seconds(Millis d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", d.count() / 1000.0);
  return buf;
}

namespace {
struct Case {
  std::string name;
  std::string time = "0.000";
  std::string failure;  // message; empty when it passed
  std::string body;
  bool skipped = false;
};

std::string junit(const std::string& suite, const std::vector<Case>& cases, const std::string& total_time) {
  int failures = 0, skipped = 0;
  for (const auto& c : cases) {
    if (c.skipped) ++skipped;
    else if (!c.failure.empty()) ++failures;
  }
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"orchestrate\" tests=\"" << cases.size() << "\" failures=\"" << failures << "\" skipped=\""
    << skipped << "\" time=\"" << total_time << "\">\n";
  o << "  <testsuite name=\"" << xml(suite) << "\" tests=\"" << cases.size() << "\" failures=\"" << failures
    << "\" skipped=\"" << skipped << "\" time=\"" << total_time << "\">\n";
  for (const auto& c : cases) {
    o << "    <testcase classname=\"" << xml(suite) << "\" name=\"" << xml(c.name) << "\" time=\"" << c.time << "\"";
    if (c.failure.empty() && !c.skipped) {
      o << "/>\n";
      continue;
    }
    o << ">\n";
    if (c.skipped) o << "      <skipped message=\"" << xml(c.failure) << "\"/>\n";
    else o << "      <failure message=\"" << xml(c.failure) << "\">" << xml(c.body) << "</failure>\n";
    o << "    </testcase>\n";
  }
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

std::string coverage_failure(const RlsCoverage& c) {
  if (!c.error.empty()) return "RLS could not be verified: " + c.error;
  if (c.uncovered.empty()) return "";
  return std::to_string(c.uncovered.size()) + " table(s) not protected by RLS";
}

std::string coverage_body(const RlsCoverage& c) {
  std::string b;
  for (const auto& u : c.uncovered) b += u.table + ": " + u.reason + "\n";
  return b;
}
}  // namespace

std::string status_to_junit(const StatusReport& r) {
  std::vector<Case> cases;
  for (const auto& s : r.services) {
    Case c;
    c.name = s.name;
    if (!s.at_head()) {
      c.failure = s.name + " is " + to_string(s.state);
      c.body = s.detail;
      if (!s.pending.empty()) c.body += (c.body.empty() ? "" : "\n") + std::string("pending: ") + join(s.pending, ", ");
    }
    cases.push_back(c);
  }
  if (r.rls_configured) {
    Case c;
    c.name = "rls";
    c.failure = coverage_failure(r.rls);
    c.body = coverage_body(r.rls);
    cases.push_back(c);
  }
  return junit("status." + r.project + "." + r.target, cases, "0.000");
}

std::string run_to_junit(const RunReport& r) {
  std::vector<Case> cases;
  for (const auto& s : r.services) {
    Case c;
    c.name = s.name;
    c.time = seconds(s.result.duration);
    switch (s.result.outcome) {
      case Outcome::Applied:
      case Outcome::UpToDate: break;
      case Outcome::Skipped:
        c.skipped = true;
        c.failure = "skipped (" + s.result.reason + ")";
        break;
      default:
        c.failure = s.result.error.empty() ? to_string(s.result.outcome) : s.result.error;
        c.body = join(s.result.details, "\n");
    }
    cases.push_back(c);
  }
  Case rls;
  rls.name = "rls";
  if (r.rls.state == RlsState::Skipped) {
    rls.skipped = true;
    rls.failure = "skipped (" + r.rls.reason + ")";
  } else if (r.rls.state == RlsState::Failed) {
    rls.failure = r.rls.reason;
  } else {
    rls.failure = coverage_failure(r.rls.coverage);
    rls.body = coverage_body(r.rls.coverage);
  }
  cases.push_back(rls);
  if (r.rehearsal)
    for (const auto& extra : rehearsal_junit_cases(*r.rehearsal)) cases.push_back({extra.name, "0.000", extra.failure, extra.body});
  return junit((r.rehearsal ? "rehearse." : "up.") + r.project + "." + r.target, cases, seconds(r.duration));
}

Result<std::vector<ReportTarget>> parse_report_targets(const std::vector<std::string>& specs) {
  std::vector<ReportTarget> out;
  for (const auto& s : specs) {
    auto colon = s.find(':');
    std::string format = colon == std::string::npos ? s : s.substr(0, colon);
    if (colon == std::string::npos || colon + 1 >= s.size())
      return Error{"--report \"" + s + "\" needs FORMAT:PATH, e.g. json:status.json", "", "", exit_code::kUsage};
    if (format != "json" && format != "markdown" && format != "junit") {
      std::string guess = closest_match(format, {"json", "markdown", "junit"});
      return Error{"--report format \"" + format + "\" is not one of json, markdown, junit", "",
                   guess.empty() ? "" : "did you mean \"" + guess + "\"?", exit_code::kUsage};
    }
    out.push_back({format, s.substr(colon + 1)});
  }
  return out;
}

Status write_reports(const std::vector<ReportTarget>& targets, const StatusReport* status, const RunReport* run) {
  for (const auto& t : targets) {
    std::string text;
    if (t.format == "json") text = (status ? status_to_json(*status) : run_to_json(*run)).dump(2) + "\n";
    else if (t.format == "markdown") text = status ? status_to_markdown(*status) : run_to_markdown(*run);
    else text = status ? status_to_junit(*status) : run_to_junit(*run);
    std::ofstream out(t.path, std::ios::binary | std::ios::trunc);
    if (!out) return Error{"cannot write report " + t.path + ": " + std::strerror(errno)};
    std::error_code ec;
    std::filesystem::permissions(t.path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    out << secrets::scrub(text);
  }
  return ok();
}

nlohmann::ordered_json statuses_to_json(const std::vector<StatusReport>& rs) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["project"] = rs.empty() ? "" : rs[0].project;
  j["generated_at"] = rs.empty() ? "" : rs[0].generated_at;
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  bool clean = true;
  for (const auto& r : rs) {
    arr.push_back(status_to_json(r));
    clean = clean && r.clean();
  }
  j["targets"] = arr;
  j["clean"] = clean;
  return j;
}

}  // namespace orch

#include "report/status_report.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "report/state_hint.h"
#include "report/text_table.h"
#include "util/connect_hint.h"
#include "util/text.h"

namespace orch {

std::string now_at_line(const ServiceStatus& s) {
  return s.name + ": now at " + format_revisions(s.current) + " (" + to_string(s.state) +
         (s.pending.empty() ? "" : ", " + std::to_string(s.pending.size()) + " pending") + ")";
}

bool ServiceStatus::at_head() const { return state == service_state::kUpToDate || state == service_state::kUntracked; }

bool StatusReport::at_head() const {
  for (const auto& s : services)
    if (!s.at_head()) return false;
  return true;
}

bool StatusReport::clean() const {
  if (!at_head()) return false;
  if (rls_configured && rls.checked && !rls.ok()) return false;
  if (rls_configured && !rls.error.empty()) return false;
  return true;
}


namespace {

// "users: branch expand at e2 (head)", "users: branch contract at base, head c2: 2 pending", or, for a
// branch the service's target leaves out, "..., head c2 (outside target expand@head)".
std::string branch_line(const ServiceStatus& s, const BranchStatus& b) {
  std::string line = s.name + ": branch " + b.label + " at " + (b.current.empty() ? "base" : join(b.current, "+"));
  std::vector<std::string> cur = b.current, heads = b.heads;
  std::sort(cur.begin(), cur.end());
  std::sort(heads.begin(), heads.end());
  if (!b.pending.empty()) return line + ", head " + join(b.heads, "+") + ": " + std::to_string(b.pending.size()) + " pending";
  if (cur == heads) return line + " (head)";
  return line + ", head " + join(b.heads, "+") + (s.target.empty() ? "" : " (outside target " + s.target + ")");
}

// The connection error every service shares ("cannot connect: …"), or "" when the database answered.
std::string connection_error_of(const StatusReport& r) {
  if (r.services.empty()) return "";
  for (const auto& s : r.services)
    if (s.state != service_state::kUnreachable || s.detail != r.services.front().detail) return "";
  return r.services.front().detail;
}

}  // namespace

void render_status_table(const StatusReport& r, std::ostream& out, bool color) {
  const std::vector<std::string> head = {"SERVICE", "RUNNER", "SCHEMA",       "CURRENT", "HEAD",
                                         "PENDING", "STATE",  "LAST APPLIED", "LAST RUN"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r.services) {
    bool untracked = s.state == service_state::kUntracked;
    rows.push_back({s.name, s.runner, s.schema, untracked ? "-" : elide(format_revisions(s.current), 30),
                    untracked ? "-" : elide(format_revisions(s.heads), 30), untracked ? "-" : std::to_string(s.pending.size()),
                    to_string(s.state), s.last_applied_at.empty() ? "-" : s.last_applied_at,
                    s.last_run ? elide(s.last_run->state, 24) : "-"});
  }
  auto color_of = [&](const std::string& state) -> const char* {
    if (!color) return "";
    if (state == to_string(service_state::kUpToDate)) return "\x1b[32m";
    if (state == to_string(service_state::kPending) || state == to_string(service_state::kNotInitialised)) return "\x1b[33m";
    if (state == to_string(service_state::kUntracked)) return "";
    return "\x1b[31m";
  };
  out << r.project << " on " << r.target << " (" << r.database << ")\n\n";
  if (r.running) {  // what the lock-busy hint promises: the run in progress, from any machine
    render_running_run(*r.running, out);
    out << '\n';
  }
  rows.insert(rows.begin(), head);
  write_table(out, rows, [&](size_t row, size_t col, const std::string& cell) {
    return row > 0 && col == 6 ? color_of(cell) : "";
  });

  // No connection: one line and its hint, not the same error once per service and once more for RLS.
  const std::string connect = connection_error_of(r);
  if (!connect.empty()) out << '\n' << connect << "\n  hint: " << connect_hint(connect) << '\n';
  bool notes = !connect.empty();
  for (const auto& s : r.services) {
    if (!connect.empty() && s.detail == connect) continue;
    if (s.detail.empty() && s.pending.empty() && s.branches.empty()) continue;
    if (!notes) out << '\n';
    notes = true;
    if (!s.pending.empty()) {
      out << s.name << ": pending ";
      for (size_t i = 0; i < s.pending.size(); ++i) {
        out << (i ? ", " : "") << s.pending[i];
        if (i < s.pending_messages.size() && !s.pending_messages[i].empty()) out << " (" << s.pending_messages[i] << ")";
      }
      out << '\n';
    }
    for (const auto& b : s.branches) out << branch_line(s, b) << '\n';
    if (!s.detail.empty()) out << s.name << ": " << s.detail << '\n';
    if (auto hint = state_hint(s); !hint.empty()) out << s.name << ": hint: " << hint << '\n';
  }
  if (r.rls_configured) {
    out << '\n';
    if (!connect.empty() && r.rls.error == connect) {
      out << "RLS: not verified (no connection)\n";
    } else if (!r.rls.error.empty()) {
      out << "RLS: could not verify: " << r.rls.error << '\n';
    } else if (r.rls.checked) {
      out << "RLS: " << r.rls.tables_checked << " tables in " << join(r.rls.schemas, ", ") << ": ";
      if (r.rls.uncovered.empty()) out << "all protected\n";
      else {
        out << r.rls.uncovered.size() << " uncovered\n";
        for (const auto& u : r.rls.uncovered) out << "  " << u.table << ": " << u.reason << '\n';
      }
      if (!r.rls.bypass_roles.empty())
        out << "warning: roles that can log in and bypass RLS: " << join(r.rls.bypass_roles, ", ")
            << " (they see every row; connect the application as a role without BYPASSRLS or superuser)\n";
    }
  }
}

}  // namespace orch

namespace orch {

void render_status_matrix(const std::vector<StatusReport>& reports, std::ostream& out, bool color) {
  if (reports.empty()) return;
  std::vector<std::string> head = {"SERVICE"};
  for (const auto& r : reports) head.push_back(r.target);
  std::vector<std::vector<std::string>> rows;
  const auto& first = reports.front();
  for (size_t i = 0; i < first.services.size(); ++i) {
    std::vector<std::string> row = {first.services[i].name};
    for (const auto& r : reports) {
      const ServiceStatus& s = r.services[i];
      std::string cell = to_string(s.state);
      if (s.state == service_state::kPending || s.state == service_state::kNotInitialised)
        cell += " (" + std::to_string(s.pending.size()) + ")";
      row.push_back(cell);
    }
    rows.push_back(row);
  }
  std::vector<std::string> rls_row = {"(rls)"};
  bool any_rls = false;
  for (const auto& r : reports) {
    any_rls = any_rls || r.rls_configured;
    if (!r.rls_configured) rls_row.push_back("-");
    else if (!r.rls.error.empty()) rls_row.push_back("error");
    else rls_row.push_back(r.rls.uncovered.empty() ? "protected" : std::to_string(r.rls.uncovered.size()) + " uncovered");
  }
  if (any_rls) rows.push_back(rls_row);
  auto color_of = [&](const std::string& cell) -> const char* {
    if (!color) return "";
    if (starts_with(cell, to_string(service_state::kUpToDate)) || cell == "protected") return "\x1b[32m";
    if (starts_with(cell, to_string(service_state::kPending)) || starts_with(cell, to_string(service_state::kNotInitialised)))
      return "\x1b[33m";
    if (cell == "-" || starts_with(cell, to_string(service_state::kUntracked))) return "";
    return "\x1b[31m";
  };
  out << first.project << ": " << reports.size() << " targets\n\n";
  rows.insert(rows.begin(), head);
  write_table(out, rows, [&](size_t row, size_t col, const std::string& cell) {
    return row > 0 && col > 0 ? color_of(cell) : "";
  });
  for (const auto& r : reports)
    for (const auto& s : r.services)
      if (s.state == service_state::kUnreachable || s.state == service_state::kError || s.state == service_state::kAhead ||
          s.state == service_state::kTablesWithoutVersion)
        out << r.target << "/" << s.name << ": " << s.detail << '\n';
}

namespace {

// "a, b, c and 12 more"
std::string some_names(const std::vector<std::string>& names, size_t shown = 10) {
  std::vector<std::string> head(names.begin(), names.begin() + static_cast<long>(std::min(shown, names.size())));
  std::string out = join(head, ", ");
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

}  // namespace

void render_status_summary(const std::vector<StatusReport>& reports, std::ostream& out, bool color) {
  if (reports.empty()) return;
  const StatusReport& first = reports.front();
  out << first.project << ": " << reports.size() << " targets (summary: the matrix would not fit)\n\n";
  std::vector<std::string> differ;
  for (size_t i = 0; i < first.services.size(); ++i) {
    std::map<std::string, std::vector<std::string>> by_state;  // state -> targets
    for (const auto& r : reports)
      if (i < r.services.size()) by_state[to_string(r.services[i].state)].push_back(r.target);
    std::vector<std::pair<size_t, std::string>> ranked;  // most targets first
    for (const auto& [state, targets] : by_state) ranked.emplace_back(targets.size(), state);
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    const std::string majority = ranked.front().second;
    std::vector<std::string> counts;
    for (const auto& [n, state] : ranked) counts.push_back(std::to_string(n) + " " + state);
    out << "  " << first.services[i].name << ": " << join(counts, ", ") << "\n";
    for (const auto& [state, targets] : by_state)
      if (state != majority) differ.push_back(first.services[i].name + " " + state + " on " + some_names(targets));
  }
  if (!differ.empty()) {
    out << "\ntargets that differ from the majority:\n";
    for (const auto& d : differ) out << "  " << (color ? "\x1b[33m" : "") << d << (color ? "\x1b[0m" : "") << "\n";
  }
  size_t protected_n = 0, configured = 0;
  std::vector<std::string> uncovered, errors;
  for (const auto& r : reports) {
    if (!r.rls_configured) continue;
    ++configured;
    if (!r.rls.error.empty()) errors.push_back(r.target);
    else if (r.rls.uncovered.empty()) ++protected_n;
    else uncovered.push_back(r.target);
  }
  if (configured > 0) {
    out << "\nRLS: " << protected_n << " of " << configured << " targets protected";
    if (!uncovered.empty()) out << "; uncovered tables on " << some_names(uncovered);
    if (!errors.empty()) out << "; cannot verify on " << some_names(errors);
    out << "\n";
  }
}

void render_status_matrix_or_summary(const std::vector<StatusReport>& reports, std::ostream& out, bool color, int width) {
  std::ostringstream matrix;
  render_status_matrix(reports, matrix, false);
  size_t widest = 0;
  std::istringstream lines(matrix.str());
  for (std::string line; std::getline(lines, line);) widest = std::max(widest, line.size());
  if (widest <= static_cast<size_t>(width)) render_status_matrix(reports, out, color);
  else render_status_summary(reports, out, color);
}

}  // namespace orch

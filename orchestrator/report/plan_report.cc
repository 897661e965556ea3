#include "report/plan_report.h"

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace orch {

std::string lint_line(const Finding& f) {
  return std::string("lint ") + to_string(f.severity) + " " + f.where + ": " + f.message;
}

namespace {

nlohmann::ordered_json lint_json(const std::vector<Finding>& lint, const std::string& service) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& f : lint)
    if (f.service == service)
      out.push_back({{"severity", to_string(f.severity)}, {"rule", f.rule}, {"where", f.where}, {"message", f.message},
                     {"hint", f.hint}});
  return out;
}

void render_lint(const std::vector<Finding>& lint, const std::string& service, std::ostream& out) {
  for (const auto& f : lint)
    if (f.service == service) out << "      " << lint_line(f) << "\n";
}

void render_service(const ServiceSpec& s, const ServiceStatus& st, std::ostream& out, int& total) {
  out << "  " << s.name << " (" << s.runner << ", schema " << s.schema;
  if (!s.depends_on.empty()) out << ", after " << join(s.depends_on, ", ");
  if (s.exclusive) out << ", runs alone";
  out << "): ";
  if (st.state == service_state::kUntracked) out << "runs `" << join(s.command, " ") << "`\n";
  else if (st.pending.empty() && st.state == service_state::kUpToDate) out << "up to date\n";
  else if (st.state != service_state::kPending && st.state != service_state::kNotInitialised)
    out << st.state << ": " << st.detail << "\n";
  else {
    out << st.pending.size() << " pending\n";
    total += static_cast<int>(st.pending.size());
    for (size_t k = 0; k < st.pending.size(); ++k)
      out << "      " << st.pending[k]
          << (k < st.pending_messages.size() && !st.pending_messages[k].empty() ? "  " + st.pending_messages[k] : "")
          << "\n";
  }
}

}  // namespace

void render_plan_text(const Manifest& m, const PlanView& plan, std::ostream& out) {
  out << "plan for " << m.project_name << " on " << plan.target << " (" << plan.database << "), "
      << counted(plan.levels.size(), "dependency level") << ", up to " << counted(plan.jobs, "service") << " at once\n";
  int total = 0;
  for (size_t w = 0; w < plan.levels.size(); ++w) {
    std::vector<std::string> names;
    for (int i : plan.levels[w]) names.push_back(m.services[i].name);
    out << "\nlevel " << (w + 1) << (w == 0 ? "" : ", after level " + std::to_string(w)) << ": " << join(names, ", ");
    // Slots are slots: a level larger than -j still is one level, run up to `jobs` at a time.
    if (plan.levels[w].size() > 1) out << " (independent of each other: up to " << plan.jobs << " at once)";
    out << "\n";
    for (int i : plan.levels[w]) {
      render_service(m.services[i], plan.status.services[i], out, total);
      render_lint(plan.lint, m.services[i].name, out);
    }
  }
  if (!plan.rls_files.empty() || !m.rls.policies.empty()) {
    out << "\nRLS phase (one transaction, after every service succeeded):\n";
    for (const auto& [path, text] : plan.rls_files) out << "  file " << text << "\n";
    for (const auto& p : m.rls.policies)
      out << "  policy " << p.name << ": " << p.command << " to " << join(p.roles, ", ") << " on every table in "
          << join(p.schemas, ", ") << (p.when_column.empty() ? "" : " with column " + p.when_column) << "\n";
    if (!m.rls.require.empty()) out << "  then verify every table in " << join(m.rls.require, ", ") << " is protected\n";
    render_lint(plan.lint, "rls", out);
  }
  out << "\n" << total << " migration" << (total == 1 ? "" : "s") << " pending; `orchestrate plan --sql` shows the SQL\n";
}

void render_plan_json(const Manifest& m, const PlanView& plan, std::ostream& out) {
  using json = nlohmann::ordered_json;
  json j;
  j["schema_version"] = 2;  // 2: dependency `levels` replaced the -j slot `waves`
  j["project"] = m.project_name;
  j["target"] = plan.target;
  j["max_parallel"] = plan.jobs;
  json levels = json::array();
  for (size_t w = 0; w < plan.levels.size(); ++w) {
    json services = json::array();
    for (int i : plan.levels[w]) {
      const ServiceStatus& st = plan.status.services[i];
      json pend = json::array();
      for (size_t k = 0; k < st.pending.size(); ++k)
        pend.push_back({{"revision", st.pending[k]}, {"message", k < st.pending_messages.size() ? st.pending_messages[k] : ""}});
      services.push_back({{"name", st.name}, {"runner", st.runner}, {"schema", st.schema}, {"state", to_string(st.state)},
                          {"exclusive", m.services[i].exclusive}, {"depends_on", m.services[i].depends_on},
                          {"pending", pend}, {"lint", lint_json(plan.lint, st.name)}});
    }
    levels.push_back({{"level", w + 1}, {"services", services}});
  }
  j["levels"] = levels;
  json files = json::array();
  for (const auto& [path, text] : plan.rls_files) files.push_back(text);
  json policies = json::array();
  for (const auto& p : m.rls.policies)
    policies.push_back({{"name", p.name}, {"schemas", p.schemas}, {"when_column", p.when_column}, {"command", p.command},
                        {"roles", p.roles}});
  j["rls"] = {{"files", files}, {"policies", policies}, {"require", m.rls.require}, {"lint", lint_json(plan.lint, "rls")}};
  out << j.dump(2) << "\n";
}

}  // namespace orch

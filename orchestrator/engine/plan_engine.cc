#include "engine/plan_engine.h"

#include <fstream>
#include <sstream>

#include "db/db.h"
#include "engine/lint_engine.h"
#include "migration_kind.h"
#include "rls/policy_render.h"
#include "rls/rls_phase.h"
#include "graph/service_graph.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

Result<PlanView> make_plan(const Manifest& m, StatusReport status, int jobs) {
  for (const auto& s : status.services)
    if (s.state == service_state::kUnreachable) return Error{s.detail, status.database};
  PlanView v;
  v.project = m.project_name;
  v.target = status.target;
  v.database = status.database;
  v.generated_at = status.generated_at;
  v.jobs = jobs;
  // Dependency levels, not the -j slots a run happens to fill: `jobs` is shown as what it is.
  v.levels = m.graph ? m.graph->waves() : ServiceGraph(m.services).waves();
  v.status = std::move(status);
  v.rls_files = rls_files(m);
  return v;
}

namespace {

bool skipped_by_up(const ServiceStatus& st) {
  return st.state == service_state::kAhead || st.state == service_state::kError ||
         st.state == service_state::kTablesWithoutVersion;
}

// A service whose offline SQL failed: its error where its SQL would be, every line a comment, so the file
// still applies (without that service) and a reviewer sees why.
void failure_block(const Error& e, std::ostream& o) {
  o << "-- FAILED: this service's SQL could not be produced; it is not in this file\n";
  for (const auto& line : split(secrets::scrub(e.message), '\n')) o << "-- error: " << line << "\n";
  if (!e.hint.empty()) o << "-- hint: " << secrets::scrub(e.hint) << "\n";
}

void lint_comments(const PlanView& plan, const std::string& service, std::ostream& o) {
  for (const auto& f : plan.lint)
    if (f.service == service) o << "-- " << lint_line(f) << "\n";
}

}  // namespace

std::string rls_phase_sql(const Manifest& m, const PlanView& plan) {
  if (plan.rls_files.empty() && m.rls.policies.empty()) return "";
  std::ostringstream o;
  o << "\n-- ===== RLS phase: one transaction =====\nBEGIN;\n";
  for (const auto& [path, text] : plan.rls_files) {
    o << "-- " << text << "\n" << read_text_file(path) << "\n";
  }
  o << render_policies_do_block(m) << "COMMIT;\n";
  return o.str();
}

std::vector<std::string> services_in_error(const PlanView& plan) {
  std::vector<std::string> out;
  for (const auto& st : plan.status.services)
    if (skipped_by_up(st)) out.push_back(st.name + ": " + to_string(st.state) + (st.detail.empty() ? "" : ": " + st.detail));
  return out;
}

void lint_plan(const Manifest& m, PlanView& plan, const std::string& database_url) {
  std::unique_ptr<Db> db;
  try {
    db = connect_db(database_url, "orchestrate/plan");
  } catch (const DbError&) {
    // make_plan read the database a moment ago; without it the text alone is linted.
  }
  LintScope scope;
  scope.status = &plan.status;
  scope.db = db.get();
  scope.database_url = database_url;
  LintOutcome lint = lint_project(m, scope);
  for (auto& f : lint.not_linted) plan.lint.push_back(std::move(f));
  for (const auto& f : lint.findings) plan.lint.push_back(to_check_finding(f, m.lint));
}

PlanSql plan_sql(const Manifest& m, const PlanView& plan, const std::string& database_url) {
  PlanSql result;
  std::ostringstream o;
  o << "-- orchestrate plan --sql: project " << m.project_name << ", generated " << plan.generated_at << "\n"
    << "-- apply with: psql -v ON_ERROR_STOP=1 -f FILE \"$DATABASE_URL\"\n";
  for (const auto& level : plan.levels) {
    for (int i : level) {
      const ServiceSpec& s = m.services[i];
      const ServiceStatus& st = plan.status.services[i];
      const MigrationKind& kind = migration_kind(s.runner);
      o << "\n-- ===== service " << s.name << " (" << s.runner << ", schema " << s.schema
        << "): " << st.pending.size() << " pending =====\n";
      if (skipped_by_up(st)) {
        o << "-- skipped: " << st.state << ": " << st.detail << "\n";
        continue;
      }
      if (st.pending.empty() && kind.tracks_versions()) continue;
      auto sql = kind.offline_sql(s, st, database_url);
      if (!sql) {
        failure_block(sql.error(), o);
        std::string why = secrets::scrub(sql.error().message);
        result.failed.push_back(s.name + ": " + why.substr(0, why.find('\n')));
        continue;
      }
      o << *sql;
      lint_comments(plan, s.name, o);
    }
  }
  o << rls_phase_sql(m, plan);
  lint_comments(plan, "rls", o);
  result.text = o.str();
  return result;
}

}  // namespace orch

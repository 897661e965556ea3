#pragma once
// `plan`: what `up` would do, from the same code paths: the services by dependency level (the manifest's
// graph), where each stands (status's reads), the SQL from each kind's offline_sql and the RLS phase's own
// renderers.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "manifest/manifest.h"
#include "report/plan_report.h"
#include "report/status_report.h"
#include "util/result.h"

namespace orch {

// Fails when the database cannot be read.
Result<PlanView> make_plan(const Manifest& m, StatusReport status, int jobs);

// The linter's findings on what would run, into plan.lint; with the catalogue's facts when the
// database can be read (one more connection), else from the text alone.
void lint_plan(const Manifest& m, PlanView& plan, const std::string& database_url);

// What plan --sql prints: every service's SQL it could produce. A service whose offline SQL could not be
// produced gets a comment block with its error (secrets scrubbed) in its place, and is named in `failed`.
struct PlanSql {
  std::string text;
  std::vector<std::string> failed;  // "service: error", one per service without SQL
};

// The services `plan` exits 3 on, as "service: state: detail" in manifest order: those `up` would fail or
// refuse (in error: state unreadable, a broken revision tree; ahead/unknown; tables without a version table).
std::vector<std::string> services_in_error(const PlanView& plan);

// The RLS phase as `up` runs it, in one transaction; "" when the project has none.
std::string rls_phase_sql(const Manifest& m, const PlanView& plan);

// The SQL `up` would run, service by service in dependency-level order, then the RLS phase in one transaction.
PlanSql plan_sql(const Manifest& m, const PlanView& plan, const std::string& database_url);

}  // namespace orch

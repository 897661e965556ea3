#pragma once
// How `plan` shows its PlanView: text for people, JSON (schema_version 1) for tools.
#include <filesystem>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "check/finding.h"
#include "manifest/manifest.h"
#include "report/status_report.h"

namespace orch {

// What `plan` found (engine/plan_engine makes it): the schedule and where each service stands.
struct PlanView {
  std::string project;
  std::string target;
  std::string database;  // redacted
  std::string generated_at;
  int jobs = 4;
  // Dependency levels (indexes): level N holds the services whose dependencies are all in levels < N, in
  // manifest order. How many of a level run at once is `jobs` (and exclusive/shared schemas), not a level.
  std::vector<std::vector<int>> levels;
  StatusReport status;                    // where each service stands now
  std::vector<std::pair<std::filesystem::path, std::string>> rls_files;  // path, as written
  std::vector<Finding> lint;  // the linter's findings on the SQL that would run (service "rls" for its files)
};

// "lint warning [rule] where: message", as printed beside the service in text and in --sql comments.
std::string lint_line(const Finding& f);


void render_plan_text(const Manifest& m, const PlanView& plan, std::ostream& out);
void render_plan_json(const Manifest& m, const PlanView& plan, std::ostream& out);

}  // namespace orch

#pragma once
// The linter over a project: each service's pending SQL (each kind's lint_sources) in the order `up`
// runs the services, then the RLS files, through one Linter so tables created earlier count as new.
// With a database the catalogue adds sizes, existence and validated CHECKs (DbTableCatalog).
#include <functional>
#include <string>
#include <vector>

#include "check/finding.h"
#include "lint/linter.h"
#include "manifest/manifest.h"
#include "report/status_report.h"

namespace orch {

class Db;

struct LintScope {
  const StatusReport* status = nullptr;  // pending migrations only; null: every migration
  Db* db = nullptr;                      // catalogue facts; null: the text alone
  std::string database_url;              // for the tools that print offline SQL (Alembic)
  bool run_tools = true;                 // false: only kinds whose SQL orchestrate reads itself
  std::vector<int> services;             // empty: all
};

struct LintOutcome {
  std::vector<LintFinding> findings;
  std::vector<Finding> not_linted;  // a service whose SQL could not be produced or parsed
  int linted = 0;                   // scripts the linter read (so "no findings" means something)
};

LintOutcome lint_project(const Manifest& m, const LintScope& scope);

// A finding as `check` shows it: an error when [lint] denies its rule (or it cannot work at all), a
// warning otherwise, information when a comment allowed it (with the comment's reason).
Finding to_check_finding(const LintFinding& f, const LintPolicy& policy);

// Before `up` changes anything: the pending SQL of the selected services, linted with the catalogue.
// A denied finding (or one that cannot work) refuses the run (exit 3) and says how to allow it;
// warnings become one note. Alembic's offline SQL is produced only when [lint] deny names a rule: it
// costs a Python process per service with pending revisions.
Status lint_gate(const Manifest& m, const StatusReport& before, Db& db, const std::string& url,
                 const std::vector<int>& selected, const std::function<void(const std::string&)>& note);

// The line `check` prints for require-lock-timeout, which orchestrate itself satisfies.
std::string lock_timeout_note(const Manifest& m);

}  // namespace orch

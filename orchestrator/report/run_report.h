#pragma once
// The consolidated result of one `up`: what each service went from and to, and how the run ended.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "report/rehearsal_summary.h"
#include "rls/rls_result.h"
#include "scheduler/runner.h"

namespace orch {

struct ServiceReport {
  std::string name;
  std::string runner;
  std::string schema;
  RunResult result;
};

struct RunReport {
  std::string run_id;
  std::string project;
  std::string target;
  std::vector<ServiceReport> services;  // manifest order, selected services only
  Millis duration{0};
  bool interrupted = false;
  std::string log_dir;
  std::string started_at;   // ISO 8601 UTC
  std::string finished_at;
  RlsResult rls;
  std::optional<RehearsalSummary> rehearsal;  // `rehearse`: this run was in a shadow copy

  int count(Outcome o) const;
  bool all_succeeded() const;  // services only
  bool ok() const { return all_succeeded() && rls.ok(); }
};

// The table printed at the end of `up`, then a one-line total, then the details of each failure.
void render_table(const RunReport& report, std::ostream& out, bool color);

// The RLS lines of the report: applied or why not, and what verification found.
void render_rls_summary(const RlsResult& rls, std::ostream& out, bool color);


}  // namespace orch

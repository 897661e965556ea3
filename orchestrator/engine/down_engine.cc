#include "engine/down_engine.h"

#include <algorithm>

#include "db/database.h"
#include "graph/service_graph.h"
#include "migration_kind.h"
#include "util/text.h"
#include "util/exit_codes.h"
#include "db/db_error.h"

namespace orch {

std::vector<DownStep> down_steps(const Manifest& m, int target, bool cascade, const std::string& to) {
  std::vector<DownStep> steps;
  if (cascade) {
    // A loaded manifest carries its graph; one made in code (tests) has none yet.
    auto graph_ptr = m.graph ? m.graph : std::make_shared<const ServiceGraph>(m.services);
    const ServiceGraph& graph = *graph_ptr;
    auto dependents = graph.transitive_dependents(target);
    auto waves = graph.waves();
    for (auto w = waves.rbegin(); w != waves.rend(); ++w)
      for (int i : *w)
        if (std::find(dependents.begin(), dependents.end(), i) != dependents.end() &&
            migration_kind(m.services[i].runner).tracks_versions())
          steps.push_back({i, to == "base" ? "base" : "-1"});
  }
  steps.push_back({target, to.empty() ? "-1" : to});
  return steps;
}

namespace {

StepContext step_context(RunSession& session, const ServiceSpec& s, const ServiceLineFn& line) {
  return StepContext{session.db(), session.spec().url, session.spec().run_id,
                     [&line, &s](const std::string& l) { line(s, l); }};
}

RunReport new_report(RunSession& session, const Manifest& m) {
  RunReport r;
  r.run_id = session.spec().run_id;
  r.project = m.project_name;
  r.target = session.spec().target;
  return r;
}

// Every service's `after`: what the database holds now, whatever happened.
StatusReport record_after(RunSession& session, const Manifest& m, RunReport& report) {
  StatusReport after = session.inspect(m);
  for (auto& sr : report.services)
    for (const auto& ss : after.services)
      if (ss.name == sr.name) sr.result.after = ss.current;
  return after;
}

}  // namespace

StepsOutcome run_down_steps(RunSession& session, const Manifest& m, const std::vector<DownStep>& steps,
                         const StatusReport& before, const ServiceLineFn& line) {
  RunReport report = new_report(session, m);
  session.record_start();
  bool failed = false;
  for (const auto& step : steps) {
    const ServiceSpec& s = m.services[step.service];
    StepContext ctx = step_context(session, s, line);
    RunResult r;
    r.before = before.services[step.service].current;
    Status st = Error{"not run"};
    try {
      st = migration_kind(s.runner).downgrade(s, step.to, ctx);
    } catch (const std::exception& e) {
      st = db_error(e, "", s.name);
    }
    r.outcome = st ? Outcome::Applied : Outcome::Failed;
    if (!st) r.error = st.error().text();
    report.services.push_back({s.name, s.runner, s.schema, r});
    line(s, st ? "downgraded" : "FAILED: " + r.error);
    if (!st) {
      failed = true;
      break;
    }
  }
  StatusReport after = record_after(session, m, report);
  session.record_end(report, failed ? "failed" : "succeeded");
  return {std::move(report), std::move(after)};
}

Status check_baseline(const Manifest& m, int service, const std::string& to, bool force, const ServiceStatus& st) {
  const ServiceSpec& s = m.services[service];
  const MigrationKind& kind = migration_kind(s.runner);
  if (!kind.tracks_versions())
    return Error{s.name + " uses the " + s.runner + " runner; orchestrate cannot record its versions", "", "", exit_code::kUsage};
  if (!st.current.empty() && !force)
    return Error{s.name + " is already versioned (at " + join(st.current, "+") +
                     "); baseline is for schemas created outside migrations",
                 "", "pass --force to record " + to + " anyway", exit_code::kUsage};
  if (!kind.knows_version(s, to))
    return Error{"no revision file of " + s.name + " declares revision " + to, "", "", exit_code::kUsage};
  return ok();
}

StepsOutcome run_baseline(RunSession& session, const Manifest& m, int service, const std::string& to, bool force,
                       const ServiceStatus& before, const ServiceLineFn& line) {
  const ServiceSpec& s = m.services[service];
  RunReport report = new_report(session, m);
  session.record_start();
  StepContext ctx = step_context(session, s, line);
  Status st = Error{"not run"};
  try {
    st = migration_kind(s.runner).baseline(s, to, force, ctx);
  } catch (const std::exception& e) {
    st = db_error(e, "", s.name);
  }
  RunResult r;
  r.outcome = st ? Outcome::Applied : Outcome::Failed;
  r.before = before.current;
  if (!st) r.error = st.error().text();
  report.services.push_back({s.name, s.runner, s.schema, r});
  // The history records a baseline like any other run: who decreed which version, and when.
  StatusReport after = record_after(session, m, report);
  session.record_end(report, st ? "succeeded" : "failed");
  return {std::move(report), std::move(after)};
}

}  // namespace orch

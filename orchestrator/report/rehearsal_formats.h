#pragma once
// The rehearsal's part of a run report in each format: a "rehearsal" object and per-service "locks" in
// JSON, a verdict title and a locks table in Markdown, "locks" and "roundtrip" testcases in JUnit.
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "report/rehearsal_summary.h"

namespace orch {

nlohmann::ordered_json rehearsal_lock_json(const RehearsalLock& l);
// The "rehearsal" object of a run report (and of the rehearsal-finished event).
nlohmann::ordered_json rehearsal_json(const RehearsalSummary& r);
// The fields of the rehearsal-finished event (docs/events.md), for `rehearse` and a rollout's rehearsals.
nlohmann::ordered_json rehearsal_event_fields(int exit_code, Millis dump, Millis restore, Millis run,
                                              const std::vector<RehearsalLock>& locks, const std::string& error);
// The locks one service's migrations took.
nlohmann::ordered_json service_locks_json(const RehearsalSummary& r, const std::string& service);

// "`up` would succeed" / "`up` would FAIL": the Markdown title's verdict.
std::string rehearsal_verdict(const RehearsalSummary& r);
// The copy, the locks table, what did not roundtrip and what a rehearsal cannot see.
void rehearsal_markdown(std::ostringstream& o, const RehearsalSummary& r, const std::string& target);

struct RehearsalCase {
  std::string name, failure, body;  // failure empty: passed
};
// JUnit testcases: "locks" (fails on a denied lock) and, after --roundtrip, "roundtrip".
std::vector<RehearsalCase> rehearsal_junit_cases(const RehearsalSummary& r);

}  // namespace orch

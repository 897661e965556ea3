#pragma once
// What the RLS phase did and what verification found, for the report, JSON, Markdown and JUnit.
#include <string>
#include <vector>

namespace orch {

struct UncoveredTable {
  std::string table;   // schema.table
  std::string reason;  // "RLS not enabled", "RLS not forced", "no policy", "schema does not exist"
};

struct RlsCoverage {
  bool checked = false;                 // verification ran
  std::vector<std::string> schemas;     // the require list
  std::vector<std::string> excluded;    // [rls] exclude: left open on purpose, so not among tables_checked
  int tables_checked = 0;
  std::vector<UncoveredTable> uncovered;
  std::vector<std::string> bypass_roles;  // roles that may log in and bypass RLS (warning)
  std::string error;                     // verification itself failed (unreachable, ...)
  bool ok() const { return checked && error.empty() && uncovered.empty(); }
  // "2 of 5 tables … are not protected; 1 required schema does not exist": missing schemas ("s.*"
  // entries) are counted apart from tables, so the counts never read "3 of 2 tables".
  std::string problem_summary() const;
};

enum class RlsState { NotConfigured, Applied, Unchanged, Skipped, Failed, VerifiedOnly };
const char* to_string(RlsState s);

struct RlsResult {
  RlsState state = RlsState::NotConfigured;
  std::string reason;  // Skipped: why ("meals failed"); Failed: file:line: message
  bool deliberate = false;  // Skipped because the user asked for part of the run (--only): not a failure
  int files = 0;
  int statements = 0;
  int policy_tables = 0;  // tables the declarative policies were rendered for
  int attempts = 0;       // transactions tried: more than one after lock timeouts
  // Fingerprints: of what would be applied (files, rendered policies) and of the policies in the
  // database afterwards. When both match the last application, the phase need not run again.
  std::string inputs_sha256;
  std::string state_sha256;
  std::string unchanged_since;  // Unchanged: the run that last applied it
  RlsCoverage coverage;
  bool ok() const {
    if (state == RlsState::Failed || (state == RlsState::Skipped && !deliberate)) return false;
    return !coverage.checked || coverage.ok();
  }
};

}  // namespace orch

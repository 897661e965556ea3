#pragma once
// Every `up` leaves a record in the database it changed (schema "orchestrate"): who ran what, when,
// with which manifest, and how each service went. `history` lists runs; `status` shows each service's
// last one. Writing history must never fail a migration: errors here become warnings.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/run_report.h"

namespace orch {

class Db;

struct RunRecord {
  std::string run_id;
  std::string project;
  std::string target;
  std::string command;   // "up", "rls", "rollout"
  std::string os_user;
  std::string host;
  std::string version;
  std::string manifest_checksum;
  std::vector<std::string> planned_services;  // the services this run selected, in order
};

struct RunRow {
  std::string run_id, project, target, command, os_user, host, version, outcome;
  std::string started_at, finished_at;  // ISO 8601, finished empty while running
  long long duration_ms = 0;
  int services = 0, applied = 0, failed = 0, skipped = 0;
  int changed = 0;  // steps that changed something (state "applied": upgraded, reverted, baselined)
};

struct LastStep {
  std::string run_id;
  std::string state;
  std::string finished_at;
  int applied = 0;
  std::string error;
  std::string last_applied_at;  // the newest run in which this service applied something
};

RunRecord current_run_record(const std::string& run_id, const std::string& project, const std::string& target,
                             const std::string& command, const std::string& manifest_checksum);

// Creates the schema and tables when missing, upgrades an older shape (history/schema_version.h).
void ensure_history_schema(Db& c);
void record_run_start(Db& c, const RunRecord& r);
// Marks every run of `project` still 'running' as 'abandoned' (killed: SIGKILL, OOM, a lost machine).
// Only safe while holding the project's run lock on this database: no run of it can be alive then.
// Returns the run ids marked.
std::vector<std::string> mark_abandoned_runs(Db& c, const std::string& project);
// A free id for a run that takes over `run_id` (whose row exists): "<run_id>-takeover", then "-takeover2", ...
std::string takeover_run_id(Db& c, const std::string& run_id);
void record_run_end(Db& c, const RunReport& report, const std::string& outcome);

// Newest first. Empty when there is no history yet.
// The RLS fingerprints recorded by the newest run that applied (or confirmed) the RLS phase.
struct RlsFingerprint {
  std::string run_id, inputs_sha256, state_sha256;
};
std::optional<RlsFingerprint> last_rls_fingerprint(Db& c, const std::string& project,
                                                   const std::string& target);

std::vector<RunRow> list_runs(Db& c, const std::string& project, int limit);
std::map<std::string, LastStep> last_steps(Db& c, const std::string& project);

}  // namespace orch

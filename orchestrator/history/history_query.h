#pragma once
// `history`'s drill-down reads: one run's services and migrations, one service's migrations across runs,
// runs filtered by outcome and time. Read-only, on any schema version (what a version lacks is empty).
#include <optional>
#include <string>
#include <vector>

#include "history/history.h"

namespace orch {

class Db;

struct HistoryFilter {
  bool failed_only = false;  // runs that failed, were abandoned or interrupted; migrations that failed
  long long since_ms = 0;    // only what started within this many ms of now (0: no bound)
  std::string since_time;    // or since this timestamp ("2026-11-30", "2026-11-30T12:00:00Z")
  int limit = 20;
};

struct StepRow {
  std::string service, runner, state, error, started_at, finished_at;
  std::vector<std::string> before, after;
  int applied = 0, lock_timeouts = 0;
  long long duration_ms = 0;
};

struct MigrationRow {
  std::string run_id, target, command, who;  // who: os_user@host of the run
  std::string service, migration, from, file, checksum, started_at, outcome, error;
  int seq = 0, lock_timeouts = 0;
  long long duration_ms = -1;  // -1 while running (or unknown)
};

struct RunDetail {
  RunRow run;
  std::vector<StepRow> steps;
  std::vector<MigrationRow> migrations;  // in each service's order
};

std::vector<RunRow> list_runs(Db& c, const std::string& project, const HistoryFilter& f);
std::optional<RunDetail> read_run(Db& c, const std::string& project, const std::string& run_id);
std::vector<MigrationRow> service_migrations(Db& c, const std::string& project, const std::string& service,
                                             const HistoryFilter& f);

}  // namespace orch

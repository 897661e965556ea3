#pragma once
// A run in progress as the database records it (orchestrate.runs / run_steps, written as it goes by
// history/progress_writer): what `status` shows from any machine, and `--format json` carries.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace orch {

struct RunningStep {
  std::string service;
  std::string state;       // "running" until it ends, then its outcome ("applied", "failed", "skipped (...)")
  bool finished = false;
  int applied = 0;
  long long running_ms = 0;    // since the service started (its duration once finished)
  std::string current;         // the migration it is applying, "" when unknown or between two
  long long current_ms = 0;    // how long it has been on it
  int waiting_pid = 0;         // the server process holding the lock it last timed out on
  std::string waiting_on;      // that holder, described (secrets scrubbed)
  std::string error;
};

struct RunInProgress {
  std::string run_id, command, os_user, host, started_at;
  long long elapsed_ms = 0;
  long long quiet_ms = 0;  // since its progress last changed
  // Its session still holds the run lock. False: it died without a word (killed, lost machine) and the
  // next run marks it abandoned.
  bool alive = true;
  std::vector<RunningStep> steps;    // started services, in the order they started
  std::vector<std::string> pending;  // planned, not started yet
};

// "RUN IN PROGRESS ..." and one line per service; nothing when there is no run.
void render_running_run(const RunInProgress& r, std::ostream& out);
nlohmann::ordered_json running_run_json(const std::optional<RunInProgress>& r);

}  // namespace orch

#pragma once
// The seam between the scheduler and the tools that migrate one service (ninja's CommandRunner).
// The scheduler knows only this interface; the alembic, sql and command runners live in plugins/,
// and the unit tests drive the scheduler with a fake.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "db/held_locks.h"
#include "manifest/manifest.h"
#include "util/duration.h"

namespace orch {

struct ServiceStatus;  // report/status_report.h: where a service stood; the scheduler only passes it on

enum class Outcome { Applied, UpToDate, Failed, Skipped, Interrupted };
const char* to_string(Outcome o);

struct RunResult {
  Outcome outcome = Outcome::Failed;
  std::vector<std::string> before;   // revisions in the database before the run
  std::vector<std::string> after;    // and after it
  int applied = 0;                   // migrations applied by this run
  std::string error;                 // one line: what failed, where
  std::vector<std::string> details;  // the last meaningful lines of output, for the report
  Millis duration{0};
  std::string reason;                // Skipped: why ("needs users", "fail-fast", "interrupted")
  int lock_timeouts = 0;             // attempts that timed out waiting for a lock (each was retried or ended it)
  bool server_objects = false;       // rehearse: a migration would have changed roles or databases of the
                                     // target's server for real, and was rolled back (RunnerContext)
};

// One migration (a revision, a file) as a runner reports it: typed, so counts and progress never
// depend on the wording of a tool's output.
struct MigrationStep {
  std::string id;    // revision or file name
  std::string from;  // the revision(s) it builds on, joined with '+'; "" when unknown or none
  std::string file;  // its file, relative to the service's directory when known
  Millis duration{0};
  std::vector<RelationLock> locks;  // rehearse: the table locks held just before it committed
};

// A statement gave up waiting for a lock; the runner tries again after `next` (attempt < attempts).
struct LockWait {
  std::string migration;  // the file or revision, when known
  std::string blocker;    // who holds the lock, described ("" when unknown)
  int blocker_pid = 0;
  int attempt = 0;
  int attempts = 0;
  Millis next{0};
  Millis waited{0};       // the lock_timeout it waited
};

// Typed progress a runner reports besides its output lines (ninja's status events). The Builder gives
// each job one that reaches the printers (dashboard, event stream) and the service's log.
class RunEvents {
 public:
  virtual ~RunEvents() = default;
  virtual void migration_started(const MigrationStep&) {}
  virtual void migration_applied(const MigrationStep&) {}
  virtual void lock_waiting(const LockWait&) {}
  // To the service's log only, never the terminal (a whole traceback).
  virtual void log(const std::string& line) {}
};
// Reports nothing: what a job gets when nobody listens.
RunEvents& no_run_events();

struct RunJob {
  const ServiceSpec* service = nullptr;
  std::string database_url;  // a secret: never print it, use secrets::redact_url
  std::string run_id;
  std::optional<Millis> timeout;
  // Where the service stood when the run began, read on the run's session (RunSession::inspect), so a
  // runner need not read its files and versions again. Null when unknown: the runner then reads them.
  const ServiceStatus* before = nullptr;
  RunEvents* events = &no_run_events();  // never null; outlives the job
};

using LineFn = std::function<void(const std::string& line)>;
using DoneFn = std::function<void(RunResult)>;

class ServiceRunner {
 public:
  virtual ~ServiceRunner() = default;
  // Starts migrating one service and returns at once. `on_line` receives its output line by line and
  // `on_done` its result exactly once; both are called on the scheduler's io_context thread.
  virtual void start(const RunJob& job, LineFn on_line, DoneFn on_done) = 0;
  // Stops everything started and not yet done: children get SIGTERM, then SIGKILL after a grace
  // period; running SQL is cancelled so its transaction rolls back. Each affected job still reports
  // through on_done, as Interrupted.
  virtual void interrupt() = 0;
  // Before the run: the services it may start (runners can prepare, such as warming interpreters).
  virtual void expect(const std::vector<const ServiceSpec*>& services) {}
  // After the run: nothing more will start; let go of anything kept warm.
  virtual void shutdown() {}
};

}  // namespace orch

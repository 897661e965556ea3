#pragma once
// The alembic runner: `alembic -c <config> upgrade <target>` in the service's directory, run by
// orchestrate's driver (driver_job.h) after a pre-check that reads the heads from the revision files
// and the current revision from the version table. When they match, Python is never started.
//
// What the run reports comes from the driver's typed events, never from Alembic's log lines: each
// revision started and applied, the connections' limits, a lock timeout, the failure (revision,
// file:line, what was rolled back). A command that is not `<python> -m alembic` runs as it is, and its
// count comes from the revision graph (before and after).
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "alembic/driver_job.h"
#include "db/db.h"
#include "process/process_runner.h"

namespace orch {

// What the runner knows before deciding whether Alembic must start.
struct Precheck {
  std::optional<std::vector<std::string>> current;  // nullopt: no version table yet
  std::vector<std::string> heads;
  bool heads_known = false;  // every revision file was read
  std::string why_spawn;     // for the log: why Alembic had to start
  std::string db_error;      // the database could not be read at all
};

// True when Alembic need not start: the files were all read and the database holds exactly the heads.
bool alembic_at_head(const Precheck& p);

// What one attempt of `upgrade` reported through the driver.
struct UpgradeAttempt {
  std::vector<DriverRevision> applied;  // revision-applied events, in order
  std::optional<DriverFailure> failure;
  std::vector<DriverConnection> connections;
  std::string lock_statement;           // the statement that timed out waiting for a lock
  std::vector<std::string> tail;        // the last output lines
  bool lock_timeout() const { return failure && is_lock_timeout(failure->sqlstate); }
};

// The report's words for a failed upgrade: error line and details (pure; unit-tested).
void describe_driver_failure(const ServiceSpec& s, const UpgradeAttempt& a, RunResult& r);

class AlembicRunner : public ProcessRunner {
 public:
  using ProcessRunner::ProcessRunner;
  void start(const RunJob& job, LineFn on_line, DoneFn on_done) override;
  void interrupt() override;

 private:
  struct Attempt;
  void start_with(const RunJob& job, const Precheck& p, LineFn on_line, DoneFn on_done);
  void run_attempt(std::shared_ptr<Attempt> a);
  void after_attempt(std::shared_ptr<Attempt> a, const ChildExit& e);
  void retry_after_lock_timeout(std::shared_ptr<Attempt> a);
  void finish(std::shared_ptr<Attempt> a, const ChildExit& e);
  void on_driver_event(Attempt& a, const DriverEvent& e);
  // A command that is not `<python> -m alembic`: run as it is.
  void run_plain_command(const RunJob& job, RunResult r, std::vector<std::string> heads, LineFn on_line, DoneFn on_done);

  std::set<std::shared_ptr<DriverJob>> jobs_;
  std::set<std::shared_ptr<boost::asio::steady_timer>> timers_;  // backoffs between lock-timeout attempts
};

}  // namespace orch

#pragma once
// One Alembic command for one service, run by the driver: forked from the interpreter's zygote, or
// cold (its own `python -c <driver> job` process) when the zygote is gone or forking is turned off
// (ORCHESTRATE_ALEMBIC_WARM=0). Either way the caller gets the same three streams: output lines, typed
// events (driver_events.h) and one exit.
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alembic/driver_events.h"
#include "alembic/zygote.h"
#include "process/child_process.h"
#include "util/duration.h"

namespace orch {

struct DriverJobSpec {
  ZygoteKey interpreter;               // python and the variables that shape its start-up
  std::vector<std::string> alembic_args;  // -c alembic.ini upgrade heads
  std::filesystem::path cwd;           // the service's directory
  std::vector<std::pair<std::string, std::string>> env;  // on top of orchestrate's own
  std::optional<Millis> lock_timeout;       // merged into every connection; nullopt: "off"
  std::optional<Millis> statement_timeout;  // nullopt: leave env.py's own alone
  std::optional<Millis> timeout;
  bool fork = true;
  std::string server_writes_sql;   // rehearse on the target's server: a revision that writes roles fails
  std::string relation_locks_sql;  // rehearse: each revision-applied event carries the locks this query returns
  // Where orchestrate reads the version (the manifest's version_table): the driver fails the job before
  // any revision runs when env.py's migration context would write it elsewhere. Empty: not checked.
  std::string version_schema, version_table;
};

struct DriverJobHandlers {
  std::function<void(const std::string&)> on_line;    // stdout and stderr
  std::function<void(const DriverEvent&)> on_event;   // every event but the zygote's exit record
  std::function<void(const ChildExit&)> on_exit;      // once, after both
};

class DriverJob : public std::enable_shared_from_this<DriverJob> {
 public:
  static std::shared_ptr<DriverJob> start(boost::asio::io_context& io, DriverJobSpec spec, DriverJobHandlers h);
  // SIGTERM to the job's process group, SIGKILL after a grace period; the exit says interrupted.
  void terminate();
  ~DriverJob();
  struct Impl;

 private:
  DriverJob(boost::asio::io_context& io, DriverJobSpec spec, DriverJobHandlers h);
  void start_forked();
  void start_cold();
  void read(int which);
  void on_event_line(const std::string& line);
  void maybe_finish();
  void kill_group(int sig);
  std::unique_ptr<Impl> impl_;
};

// One job run to completion on an io_context of its own (check, down, baseline): its events and exit.
struct DriverRun {
  ChildExit exit;
  std::vector<DriverEvent> events;
  std::vector<std::string> lines;
  const DriverFailure* failure() const;
};
DriverRun run_driver_job(DriverJobSpec spec, const std::function<void(const std::string&)>& on_line = {});

// Should jobs fork from a zygote? (ORCHESTRATE_ALEMBIC_WARM=0 says no.)
bool driver_forks();

// The job's description the driver reads (no environment: that travels as the environment).
std::string driver_job_json(const DriverJobSpec& spec, bool with_env);

}  // namespace orch

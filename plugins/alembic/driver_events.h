#pragma once
// The Alembic driver's typed events (plugins/alembic/driver/orchestrate_alembic_driver.py), one JSON
// object per line on a descriptor of their own: parsed here into what the runner acts on. Nothing in
// orchestrate reads Alembic's log lines.
#include <optional>
#include <string>
#include <vector>

#include "db/held_locks.h"

namespace orch {

struct DriverConnection {
  int backend_pid = 0;
  std::optional<long> lock_timeout_ms;       // what is in force (0: none)
  std::optional<long> statement_timeout_ms;
  std::string application_name;
  bool limits_in_force = false;              // the manifest's limits, as asked
  bool set_after_connect = false;            // the startup options were dropped (a pooler): SET after connecting
  std::string error;                         // the check itself failed
};

struct DriverRevision {
  std::string revision;
  std::vector<std::string> down_revisions;
  std::string file;     // absolute, as the driver saw it
  std::string message;
  long duration_ms = 0;
  // revision-started: what its connection ran with just before it, and whether the driver had to SET
  // the limits again (a listener of env.py's reset them), or why it could not read them.
  std::optional<long> lock_timeout_ms;
  bool limits_set = false;
  std::string limits_error;
  std::vector<RelationLock> locks;  // revision-applied, when the job asked for them (rehearse)
};

struct DriverFailure {
  std::string exception;  // class name: ProgrammingError
  std::string message;    // first line of the database's (or Python's) words
  std::string sqlstate;   // "" when none
  std::string revision;   // the revision being applied, "" outside one (env.py)
  std::string file;       // relative to the service's directory: the frame in the revision file, else the project's deepest
  int line = 0;
  std::vector<std::string> ran;     // revisions this job ran (the failing one last)
  bool transaction_per_migration = false;
  std::vector<std::string> frames;  // the condensed traceback: the project's own frames
  std::vector<std::string> traceback;  // the whole of it, for the log
  std::string statement;
  int statement_position = 0;
  std::string missing_module;       // ImportError: what the interpreter lacks
  std::string python;               // and which interpreter that is
  std::string hint;                 // what to do, when the driver itself stopped the job (wrong database, version table)
};

struct DriverEvent {
  enum class Type { JobStarted, Connection, RevisionStarted, RevisionApplied, RevisionReverted, LockTimeout, Failure, Exit, Unknown };
  Type type = Type::Unknown;
  int pid = 0;                 // JobStarted: the job's process (its own process group)
  std::optional<double> fork_ms;
  DriverConnection connection;
  DriverRevision revision;
  DriverFailure failure;
  std::string statement;       // LockTimeout
  std::optional<int> exit_code;  // Exit (from the zygote): the code, or
  int exit_signal = 0;           // the signal that ended it
};

// nullopt for a line that is not a JSON object (never expected: reported, then ignored).
std::optional<DriverEvent> parse_driver_event(const std::string& line);

}  // namespace orch

#pragma once
// Progress in the database as it happens: a StatusPrinter decorator that keeps what it is told (each
// service's step, each migration) and writes what changed to orchestrate.run_steps and
// orchestrate.run_migrations on the run's session, so `status` on any machine sees a run in progress and
// a run that dies leaves its last truth behind.
//
// The printer calls (on the scheduler's thread) only update memory; a writer thread sends everything that
// changed since its last write as ONE statement, so there is at most one round trip per event and fewer
// when events come faster than the server answers. The run never waits for the database. A failed write
// stops the writing and becomes one warning at stop(): history never fails a run.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "report/status_report.h"
#include "scheduler/status_printer.h"

namespace orch {

class Db;

struct ProgressTarget {
  Db* db = nullptr;
  std::mutex* db_mutex = nullptr;  // held around each write: the session is shared with the lock checks
  std::string run_id;
  std::vector<const ServiceSpec*> planned;  // the services the run selected, in order
  const StatusReport* before = nullptr;     // where each service stood (its pending list), may be null
};

class ProgressWriter : public StatusPrinter {
 public:
  ProgressWriter(ProgressTarget target, StatusPrinter& inner);
  ~ProgressWriter() override;
  // Writes what is left and ends the writer thread; warnings go to the inner printer. Idempotent.
  void stop();

  void run_started(const RunHeader& header) override;
  void service_started(const ServiceSpec& s) override;
  void service_line(const ServiceSpec& s, const std::string& line) override;
  void service_finished(const ServiceSpec& s, const RunResult& r) override;
  void migration_started(const ServiceSpec& s, const MigrationStep& m) override;
  void migration_applied(const ServiceSpec& s, const MigrationStep& m) override;
  void lock_waiting(const ServiceSpec& s, const LockWait& w) override;
  void rls_lock_waiting(const LockWait& w) override;
  void note(const std::string& text) override;
  void finish() override;

  using TimePoint = std::chrono::steady_clock::time_point;
  struct Migration {
    int seq = 0;
    std::string id, from, file, checksum, outcome = "running", error;
    TimePoint started;
    long long duration_ms = -1;  // -1 while running
    int lock_timeouts = 0;
    bool dirty = true;
  };
  struct Step {
    const ServiceSpec* spec = nullptr;
    std::string state = "running", current, waiting_on, error;
    TimePoint started, current_since;
    std::vector<std::string> before, after;
    int applied = 0, lock_timeouts = 0, waiting_pid = 0;
    long long duration_ms = 0;
    bool finished = false, dirty = true;
    std::vector<Migration> migrations;
  };

  // How many statements were sent (tests and the bench read it).
  int writes() const;

 private:
  Step& step(const ServiceSpec& s);  // with mu_ held
  Migration& running_migration(Step& st, const std::string& id);
  void changed();
  void loop();
  void write(const std::vector<Step>& steps, bool first, TimePoint now);

  ProgressTarget t_;
  StatusPrinter& inner_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Step> steps_;
  bool dirty_ = false, first_ = true, stopping_ = false, stopped_ = false;
  bool gathering_ = false;  // the writer is gathering a moment's events: no need to wake it for each
  int writes_ = 0;
  std::string failure_;
  std::thread thread_;
};

}  // namespace orch

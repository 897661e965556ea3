#pragma once
// What the person running orchestrate sees while it works (ninja's Status). The Builder reports events;
// a printer decides how they look: plain timestamped lines for logs and CI, a live view on a terminal.
#include <string>

#include "scheduler/runner.h"

namespace orch {

struct RunHeader {
  std::string run_id;
  std::string project;
  std::string target;        // "default" or the target's name
  std::string database;      // redacted URL
  int services = 0;
  int max_parallel = 0;
  std::string command = "up";  // "up", "rollout" or "rehearse" (a run in a shadow copy)
};

class StatusPrinter {
 public:
  virtual ~StatusPrinter() = default;
  virtual void run_started(const RunHeader& header) = 0;
  virtual void service_started(const ServiceSpec& s) = 0;
  virtual void service_line(const ServiceSpec& s, const std::string& line) = 0;
  virtual void service_finished(const ServiceSpec& s, const RunResult& r) = 0;
  // The runners' typed progress (RunEvents): a printer that counts or shows progress reads these, never
  // the output lines, which are payload.
  virtual void migration_started(const ServiceSpec& s, const MigrationStep& m) {}
  virtual void migration_applied(const ServiceSpec& s, const MigrationStep& m) {}
  virtual void lock_waiting(const ServiceSpec& s, const LockWait& w) {}
  // The RLS phase (no service) waits for a table lock and will try again.
  virtual void rls_lock_waiting(const LockWait& w) {}
  virtual void note(const std::string& text) = 0;  // anything else worth a line: lock waits, interrupts
  virtual void finish() {}  // the run is over: a live view draws its last frame and lets go of the screen
};

}  // namespace orch

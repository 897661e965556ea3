#pragma once
// The live view: a model of rows, redrawn in place several times a second on a Terminal, and a
// StatusPrinter that feeds it from the Builder's events. Thread-safe: in a rollout, targets on
// different threads update their rows at once.
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "dashboard/frame.h"
#include "dashboard/terminal.h"
#include "scheduler/status_printer.h"

namespace orch {

class Dashboard {
 public:
  // `redraw_every` zero: no thread; frames are drawn only by draw() (tests).
  Dashboard(Terminal& term, DashHeader header, std::vector<DashRow> rows, std::chrono::milliseconds redraw_every);
  ~Dashboard();

  void update(const std::string& label, const std::function<void(DashRow&)>& change);
  void note(const std::string& text);
  void draw();    // one frame now
  void finish();  // last frame, cursor back, thread stopped; safe to call twice
  std::vector<std::string> frame(DashClock::time_point now) const;  // the lines draw() would write

 private:
  void loop();
  Terminal& term_;
  mutable std::mutex mu_;
  DashHeader header_;
  std::vector<DashRow> rows_;
  size_t drawn_lines_ = 0;
  int spinner_ = 0;
  bool finished_ = false;
  std::condition_variable cv_;
  std::chrono::milliseconds every_;
  std::thread thread_;
};

// `up` on one target: a row per service.
class ServiceDashboardPrinter : public StatusPrinter {
 public:
  // `pending` gives each service's current revision and pending count, when known before the run.
  ServiceDashboardPrinter(Dashboard& d, const std::vector<const ServiceSpec*>& services,
                          std::map<std::string, std::pair<std::string, int>> pending);
  void run_started(const RunHeader& h) override;
  void service_started(const ServiceSpec& s) override;
  void service_line(const ServiceSpec& s, const std::string& line) override;
  void service_finished(const ServiceSpec& s, const RunResult& r) override;
  void migration_started(const ServiceSpec& s, const MigrationStep& m) override;
  void migration_applied(const ServiceSpec& s, const MigrationStep& m) override;
  void lock_waiting(const ServiceSpec& s, const LockWait& w) override;
  void note(const std::string& text) override { d_.note(text); }
  void finish() override { d_.finish(); }

 private:
  void refresh_waiting();
  Dashboard& d_;
  std::vector<const ServiceSpec*> services_;
  std::map<std::string, std::string> state_;  // name -> state, for "waiting for X"
};

// A rollout: a row per target; each target's Builder reports through its own instance.
class TargetDashboardPrinter : public StatusPrinter {
 public:
  TargetDashboardPrinter(Dashboard& d, std::string target, int services) : d_(d), target_(std::move(target)), services_(services) {}
  void run_started(const RunHeader&) override;
  void service_started(const ServiceSpec& s) override;
  void service_line(const ServiceSpec& s, const std::string& line) override;
  void service_finished(const ServiceSpec& s, const RunResult& r) override;
  void note(const std::string& text) override;

 private:
  Dashboard& d_;
  std::string target_;
  int services_;
  std::map<std::string, bool> running_;
};

}  // namespace orch

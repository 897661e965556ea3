#pragma once
// A JSON-lines event stream for machines (--events PATH, or - for stdout while the human output goes to
// stderr): one object per line with schema_version, time, run_id, target and type, and the fields of
// each type. docs/events.md lists them. EventPrinter is a StatusPrinter decorator: whatever prints the
// run for people, the stream sees the same events.
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "report/run_report.h"
#include "scheduler/status_printer.h"
#include "util/result.h"

namespace orch {

constexpr int kEventsSchemaVersion = 1;

class EventStream {
 public:
  // "-": this process's stdout, after which stdout (every human line) goes to stderr. A file is
  // created 0600 (events carry service names and errors, like the logs) and appended to.
  static Result<std::shared_ptr<EventStream>> open(const std::string& path);
  ~EventStream();
  // Writes one line (secrets scrubbed), flushed at once so a follower sees it. A write that fails (a
  // full disk, a reader that went away: EPIPE) is a warning on stderr, once; the run goes on, no
  // further event is written, and failed() says so, so the command can exit 1.
  void emit(const std::string& type, const std::string& run_id, const std::string& target, nlohmann::ordered_json fields);
  // run-finished, and the RLS phase's rls-applied / rls-verified, from the run's report.
  void run_finished(const RunReport& report, int exit_code);
  // down: a service-finished event per step (outcome downgraded or failed), then run-finished.
  void steps_finished(const RunReport& report, int exit_code);
  bool failed() const;

 private:
  EventStream(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  mutable std::mutex mu_;
  std::FILE* f_;
  std::string path_;
  bool failed_ = false;
};

class EventPrinter : public StatusPrinter {
 public:
  EventPrinter(std::unique_ptr<StatusPrinter> inner, std::shared_ptr<EventStream> events)
      : inner_(std::move(inner)), events_(std::move(events)) {}
  void run_started(const RunHeader& h) override;
  void service_started(const ServiceSpec& s) override;
  void service_line(const ServiceSpec& s, const std::string& line) override;
  void service_finished(const ServiceSpec& s, const RunResult& r) override;
  void migration_started(const ServiceSpec& s, const MigrationStep& m) override;
  void migration_applied(const ServiceSpec& s, const MigrationStep& m) override;
  void lock_waiting(const ServiceSpec& s, const LockWait& w) override;
  void rls_lock_waiting(const LockWait& w) override;
  void note(const std::string& text) override;
  void finish() override { inner_->finish(); }

 private:
  void emit(const std::string& type, nlohmann::ordered_json fields) { events_->emit(type, run_id_, target_, std::move(fields)); }
  std::unique_ptr<StatusPrinter> inner_;
  std::shared_ptr<EventStream> events_;
  std::string run_id_, target_;
};

}  // namespace orch

#include "status/event_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/clock_text.h"
#include "util/secrets.h"
#include "util/text.h"
#include "util/exit_codes.h"
#include "report/run_outcome.h"

namespace orch {

Result<std::shared_ptr<EventStream>> EventStream::open(const std::string& path) {
  std::FILE* f = nullptr;
  if (path == "-") {
    // The events keep the real stdout; people's lines move to stderr. Close-on-exec: a child must not
    // hold the stream open (a follower would never see it end).
    int fd = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (fd < 0 || ::dup2(2, 1) < 0) return Error{std::string("--events -: ") + std::strerror(errno), "", "", exit_code::kUsage};
    f = ::fdopen(fd, "w");
  } else {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      f = ::fdopen(fd, "a");
      if (!f) ::close(fd);
    }
  }
  if (!f) return Error{"cannot write the event stream " + path + ": " + std::strerror(errno), "--events", "", exit_code::kUsage};
  return std::shared_ptr<EventStream>(new EventStream(f, path));
}

EventStream::~EventStream() {
  if (f_) std::fclose(f_);
}

bool EventStream::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

void EventStream::emit(const std::string& type, const std::string& run_id, const std::string& target,
                       nlohmann::ordered_json fields) {
  nlohmann::ordered_json j;
  j["schema_version"] = kEventsSchemaVersion;
  j["time"] = format_time(std::chrono::system_clock::now(), "%Y-%m-%dT%H:%M:%S.%3NZ", Zone::Utc);
  j["run_id"] = run_id;
  j["target"] = target;
  j["type"] = type;
  for (auto& [k, v] : fields.items()) j[k] = v;
  const std::string line = secrets::scrub(j.dump()) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_) return;
  // SIGPIPE is ignored (main.cc): a reader that went away is EPIPE here, not the end of the run.
  if (std::fwrite(line.data(), 1, line.size(), f_) == line.size() && std::fflush(f_) == 0) return;
  failed_ = true;
  std::fprintf(stderr,
               "warning: --events %s: cannot write the event stream (%s); the run goes on without it, the events from "
               "here on are lost, and orchestrate will exit 1 (docs/exit-codes.md)\n",
               path_ == "-" ? "- (stdout)" : path_.c_str(), std::strerror(errno));
}

void EventStream::run_finished(const RunReport& r, int exit_code) {
  if (r.rls.state == RlsState::Applied || r.rls.state == RlsState::Unchanged)
    emit("rls-applied", r.run_id, r.target,
         {{"state", to_string(r.rls.state)}, {"files", r.rls.files}, {"statements", r.rls.statements},
          {"policy_tables", r.rls.policy_tables}, {"attempts", r.rls.attempts}});
  if (r.rls.state == RlsState::Failed || r.rls.state == RlsState::Skipped)
    emit("rls-" + std::string(r.rls.state == RlsState::Failed ? "failed" : "skipped"), r.run_id, r.target,
         {{"reason", r.rls.reason}});
  if (r.rls.coverage.checked)
    emit("rls-verified", r.run_id, r.target,
         {{"ok", r.rls.coverage.ok()}, {"tables_checked", r.rls.coverage.tables_checked},
          {"uncovered", r.rls.coverage.uncovered.size()}});
  int applied = 0, failed = 0;
  for (const auto& s : r.services) {
    applied += s.result.applied;
    failed += s.result.outcome == Outcome::Failed;
  }
  emit("run-finished", r.run_id, r.target,
       {{"outcome", to_string(run_outcome(r))}, {"exit_code", exit_code},
        {"services", r.services.size()}, {"services_failed", failed}, {"migrations_applied", applied},
        {"duration_ms", r.duration.count()}});
}

void EventStream::steps_finished(const RunReport& r, int exit_code) {
  for (const auto& s : r.services)
    emit("service-finished", r.run_id, r.target,
         {{"service", s.name}, {"outcome", s.result.outcome == Outcome::Applied ? "downgraded" : to_string(s.result.outcome)},
          {"before", s.result.before}, {"after", s.result.after}, {"duration_ms", s.result.duration.count()},
          {"error", s.result.error}});
  run_finished(r, exit_code);
}

void EventPrinter::run_started(const RunHeader& h) {
  run_id_ = h.run_id;
  target_ = h.target;
  emit("run-started", {{"project", h.project}, {"database", h.database}, {"services", h.services},
                       {"max_parallel", h.max_parallel}, {"command", h.command}});
  inner_->run_started(h);
}

void EventPrinter::service_started(const ServiceSpec& s) {
  emit("service-started", {{"service", s.name}, {"runner", s.runner}, {"schema", s.schema}});
  inner_->service_started(s);
}

// Lines are payload: what the stream says about progress comes from the runners' typed events.
void EventPrinter::service_line(const ServiceSpec& s, const std::string& line) { inner_->service_line(s, line); }

void EventPrinter::migration_started(const ServiceSpec& s, const MigrationStep& m) {
  nlohmann::ordered_json f = {{"service", s.name}, {"migration", m.id}};
  if (!m.file.empty()) f["file"] = m.file;
  emit("migration-started", std::move(f));
  inner_->migration_started(s, m);
}

void EventPrinter::migration_applied(const ServiceSpec& s, const MigrationStep& m) {
  nlohmann::ordered_json f = {{"service", s.name}, {"migration", m.id}};
  if (!m.from.empty()) f["from"] = m.from;
  if (!m.file.empty()) f["file"] = m.file;
  f["duration_ms"] = m.duration.count();
  emit("migration-applied", std::move(f));
  inner_->migration_applied(s, m);
}

void EventPrinter::lock_waiting(const ServiceSpec& s, const LockWait& w) {
  nlohmann::ordered_json f = {{"service", s.name}};
  if (!w.migration.empty()) f["migration"] = w.migration;
  f["attempt"] = w.attempt;
  f["attempts"] = w.attempts;
  f["next_ms"] = w.next.count();
  f["detail"] = w.blocker;
  if (w.blocker_pid) f["blocked_by_pid"] = w.blocker_pid;
  emit("lock-waiting", std::move(f));
  inner_->lock_waiting(s, w);
}

void EventPrinter::service_finished(const ServiceSpec& s, const RunResult& r) {
  emit("service-finished", {{"service", s.name}, {"outcome", to_string(r.outcome)}, {"applied", r.applied},
                            {"before", r.before}, {"after", r.after}, {"duration_ms", r.duration.count()},
                            {"lock_timeouts", r.lock_timeouts}, {"error", r.error}});
  inner_->service_finished(s, r);
}

void EventPrinter::rls_lock_waiting(const LockWait& w) {
  nlohmann::ordered_json f = {{"service", nullptr}, {"attempt", w.attempt}, {"attempts", w.attempts},
                              {"next_ms", w.next.count()}, {"detail", w.blocker}};
  if (w.blocker_pid) f["blocked_by_pid"] = w.blocker_pid;
  emit("lock-waiting", std::move(f));
  inner_->rls_lock_waiting(w);
}

void EventPrinter::note(const std::string& text) { inner_->note(text); }

}  // namespace orch

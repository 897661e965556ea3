#include "scheduler/builder.h"

#include <boost/asio/post.hpp>

namespace orch {

RunEvents& no_run_events() {
  static RunEvents none;
  return none;
}

namespace {

// A job's typed events, to the printer and the service's log.
class ServiceEvents : public RunEvents {
 public:
  ServiceEvents(const ServiceSpec& s, StatusPrinter& status, ServiceLog* logs) : s_(s), status_(status), logs_(logs) {}
  void migration_started(const MigrationStep& m) override { status_.migration_started(s_, m); }
  void migration_applied(const MigrationStep& m) override { status_.migration_applied(s_, m); }
  void lock_waiting(const LockWait& w) override { status_.lock_waiting(s_, w); }
  void log(const std::string& line) override {
    if (logs_) logs_->write(s_.name, line);
  }

 private:
  const ServiceSpec& s_;
  StatusPrinter& status_;
  ServiceLog* logs_;
};

}  // namespace

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::Applied: return "applied";
    case Outcome::UpToDate: return "up-to-date";
    case Outcome::Failed: return "failed";
    case Outcome::Skipped: return "skipped";
    case Outcome::Interrupted: return "interrupted";
  }
  return "?";
}

Builder::Builder(boost::asio::io_context& io, const std::vector<ServiceSpec>& services, Plan& plan,
                 ServiceRunner& runner, StatusPrinter& status, const Clock& clock)
    : io_(io), services_(services), plan_(plan), runner_(runner), status_(status), clock_(clock) {}

void Builder::set_job_template(std::string database_url, std::string run_id, std::vector<const ServiceStatus*> before) {
  before_ = std::move(before);
  database_url_ = std::move(database_url);
  run_id_ = std::move(run_id);
}

void Builder::start(std::function<void()> on_done) {
  on_done_ = std::move(on_done);
  // Posted, so a runner that completes synchronously cannot re-enter before start() returns.
  boost::asio::post(io_, [this] {
    start_ready();
    finish_if_done();
  });
}

void Builder::start_ready() {
  std::vector<int> ready = plan_.take_ready();
  if (!ready.empty() && gate_) {
    if (Status let = gate_(ready); !let) {
      const std::string why = let.error().message;
      for (int i : ready) plan_.put_back(i);
      gate_refusal_ = let;
      plan_.stop_starting(why);
      status_.note(why);
      return;
    }
  }
  for (int i : ready) {
    const ServiceSpec& s = services_[i];
    started_at_[i] = clock_.now();
    status_.service_started(s);
    RunJob job;
    job.service = &s;
    job.database_url = database_url_;
    job.run_id = run_id_;
    job.timeout = s.timeout;
    if (static_cast<size_t>(i) < before_.size()) job.before = before_[i];
    events_[i] = std::make_unique<ServiceEvents>(s, status_, logs_);
    job.events = events_[i].get();
    runner_.start(
        job,
        [this, &s](const std::string& line) {
          if (logs_) logs_->write(s.name, line);
          status_.service_line(s, line);
        },
        [this, i](RunResult r) {
          r.duration = std::chrono::duration_cast<Millis>(clock_.now() - started_at_[i]);
          bool ok = r.outcome == Outcome::Applied || r.outcome == Outcome::UpToDate;
          plan_.finished(i, ok);
          if (logs_) logs_->write(services_[i].name, std::string("== ") + to_string(r.outcome) +
                                                         (r.error.empty() ? "" : ": " + r.error));
          status_.service_finished(services_[i], r);
          results_[i] = std::move(r);
          start_ready();
          finish_if_done();
        });
  }
}

void Builder::finish_if_done() {
  if (finished_ || !plan_.done()) return;
  finished_ = true;
  if (on_done_) on_done_();
}

void Builder::interrupt() {
  if (interrupted_) return;
  interrupted_ = true;
  plan_.stop_starting("interrupted");
  status_.note("interrupted: starting nothing new, stopping running services (their transactions roll back)");
  runner_.interrupt();
  finish_if_done();
}

RunResult Builder::result(int i) const {
  auto it = results_.find(i);
  if (it != results_.end()) return it->second;
  RunResult r;
  r.outcome = Outcome::Skipped;
  r.reason = plan_.reason(i);
  return r;
}

}  // namespace orch

#include "dashboard/dashboard.h"

#include "report/run_report.h"
#include "util/text.h"

namespace orch {

Dashboard::Dashboard(Terminal& term, DashHeader header, std::vector<DashRow> rows, std::chrono::milliseconds every)
    : term_(term), header_(std::move(header)), rows_(std::move(rows)), every_(every) {
  if (every_.count() > 0) {
    term_.write("\x1b[?25l");  // hide the cursor while redrawing
    thread_ = std::thread([this] { loop(); });
  }
}

Dashboard::~Dashboard() { finish(); }

void Dashboard::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!finished_) {
    cv_.wait_for(lock, every_, [this] { return finished_; });
    if (finished_) break;
    lock.unlock();
    draw();
    lock.lock();
  }
}

void Dashboard::update(const std::string& label, const std::function<void(DashRow&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& r : rows_)
    if (r.label == label) change(r);
}

void Dashboard::note(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  header_.note = text;
}

std::vector<std::string> Dashboard::frame(DashClock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  return render_frame(header_, rows_, term_.width(), now, term_.color(), spinner_);
}

void Dashboard::draw() {
  std::vector<std::string> lines;
  size_t previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++spinner_;
    lines = render_frame(header_, rows_, term_.width(), DashClock::now(), term_.color(), spinner_);
    previous = drawn_lines_;
    drawn_lines_ = lines.size();
  }
  // Back to the first line of the previous frame, then each line cleared and rewritten.
  std::string out;
  if (previous > 0) out += "\r\x1b[" + std::to_string(previous) + "A";
  for (const auto& l : lines) out += "\x1b[2K" + l + "\n";
  out += "\x1b[J";  // anything below, left by a taller frame
  term_.write(out);
}

void Dashboard::finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    draw();
    term_.write("\x1b[?25h");
  }
}

ServiceDashboardPrinter::ServiceDashboardPrinter(Dashboard& d, const std::vector<const ServiceSpec*>& services,
                                                 std::map<std::string, std::pair<std::string, int>> pending)
    : d_(d), services_(services) {
  for (const auto* s : services_) {
    state_[s->name] = "queued";
    auto it = pending.find(s->name);
    if (it != pending.end())
      d_.update(s->name, [&](DashRow& r) {
        r.revisions = it->second.first;
        r.total = it->second.second;
      });
  }
  refresh_waiting();
}

void ServiceDashboardPrinter::refresh_waiting() {
  for (const auto* s : services_) {
    if (state_[s->name] != "queued" && state_[s->name] != "waiting") continue;
    std::string on;
    for (const auto& dep : s->depends_on)
      if (state_.count(dep) && state_[dep] != "applied" && state_[dep] != "up-to-date") on = dep;
    state_[s->name] = on.empty() ? "queued" : "waiting";
    d_.update(s->name, [&](DashRow& r) {
      r.state = on.empty() ? "queued" : "waiting";
      r.waiting_for = on;
    });
  }
}

void ServiceDashboardPrinter::run_started(const RunHeader&) {}

void ServiceDashboardPrinter::service_started(const ServiceSpec& s) {
  state_[s.name] = "running";
  d_.update(s.name, [](DashRow& r) {
    r.state = "running";
    r.started = true;
    r.started_at = DashClock::now();
  });
}

void ServiceDashboardPrinter::service_line(const ServiceSpec& s, const std::string& line) {
  d_.update(s.name, [&](DashRow& r) {
    r.last_line = line;
    r.tail.push_back(line);
    if (r.tail.size() > 3) r.tail.erase(r.tail.begin());
  });
}

void ServiceDashboardPrinter::migration_started(const ServiceSpec& s, const MigrationStep&) {
  d_.update(s.name, [&](DashRow& r) { r.blocked_by.clear(); });
}

void ServiceDashboardPrinter::migration_applied(const ServiceSpec& s, const MigrationStep&) {
  d_.update(s.name, [&](DashRow& r) {
    ++r.done;
    r.blocked_by.clear();  // it moved on
  });
}

// Until the service moves on: the retry went through, or it ends.
void ServiceDashboardPrinter::lock_waiting(const ServiceSpec& s, const LockWait& w) {
  d_.update(s.name, [&](DashRow& r) { r.blocked_by = w.blocker_pid ? "pid " + std::to_string(w.blocker_pid) : "another session"; });
}

void ServiceDashboardPrinter::service_finished(const ServiceSpec& s, const RunResult& res) {
  std::string st = res.outcome == Outcome::Skipped ? "skipped" : to_string(res.outcome);
  state_[s.name] = st;
  d_.update(s.name, [&](DashRow& r) {
    r.state = st;
    r.blocked_by.clear();
    r.ended = true;
    r.ended_at = DashClock::now();
    if (!r.started) r.started_at = r.ended_at;
    r.reason = res.outcome == Outcome::Skipped ? res.reason : res.error;
    if (res.outcome != Outcome::Skipped) {
      r.revisions = res.before == res.after || res.after.empty() ? format_revisions(res.before)
                                                                 : format_revisions(res.before) + " -> " + format_revisions(res.after);
      r.done = res.applied;
      if (r.total >= 0 && res.outcome == Outcome::Applied) r.total = std::max(r.total, res.applied);
    }
    if (!res.details.empty()) r.tail = res.details;
  });
  refresh_waiting();
}

void TargetDashboardPrinter::run_started(const RunHeader&) {
  d_.update(target_, [&](DashRow& r) {
    r.state = "running";
    r.started = true;
    r.started_at = DashClock::now();
    r.done = 0;
    r.total = services_;
  });
}

void TargetDashboardPrinter::service_started(const ServiceSpec& s) {
  running_[s.name] = true;
  d_.update(target_, [&](DashRow& r) { r.last_line = s.name + " started"; });
}

void TargetDashboardPrinter::service_line(const ServiceSpec& s, const std::string& line) {
  d_.update(target_, [&](DashRow& r) { r.last_line = s.name + ": " + line; });
}

void TargetDashboardPrinter::service_finished(const ServiceSpec& s, const RunResult& res) {
  running_.erase(s.name);
  d_.update(target_, [&](DashRow& r) {
    ++r.done;
    if (res.outcome == Outcome::Failed) {
      r.reason = s.name + ": " + res.error;
      r.tail = res.details;
    }
  });
}

void TargetDashboardPrinter::note(const std::string& text) {
  d_.update(target_, [&](DashRow& r) { r.last_line = text; });
}

}  // namespace orch

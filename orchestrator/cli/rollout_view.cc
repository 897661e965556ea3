#include "cli/rollout_view.h"

#include <iostream>

#include "cli/confirm.h"
#include "report/rollout_report.h"
#include "status/plain_printer.h"
#include "util/clock_text.h"

namespace orch {

RolloutView::RolloutView(const Manifest& m, const RolloutState& st, std::filesystem::path state_dir, bool live,
                         bool pause, bool color)
    : m_(m), state_dir_(std::move(state_dir)), pause_(pause), color_(color) {
  for (const auto& s : m.services) width_ = std::max(width_, s.name.size());
  if (!live) return;
  DashHeader h;
  h.title = "orchestrate rollout " + m.project_name;
  h.run_id = st.run_id;
  h.started_at = DashClock::now();
  std::vector<DashRow> rows;
  for (const auto& w : st.waves)
    for (const auto& t : w.targets) {
      DashRow r;
      r.label = t.name;
      r.state = t.state == TargetState::Succeeded ? to_string(TargetState::Succeeded) : "queued";
      r.waiting_for = w.name;
      rows.push_back(r);
    }
  term_ = std::make_unique<StdoutTerminal>(color);
  dash_ = std::make_unique<Dashboard>(*term_, h, rows, std::chrono::milliseconds(100));
}

void RolloutView::wave_started(const WaveOutcome& wave, size_t to_run) {
  if (dash_)
    dash_->note("wave " + wave.name + ": " + std::to_string(to_run) + " targets, up to " + std::to_string(wave.max_parallel) +
                " at once");
  else
    std::cout << "\n== wave " << wave.name << ": " << to_run << " target" << (to_run == 1 ? "" : "s") << ", up to "
              << wave.max_parallel << " at once\n";
}

void RolloutView::target_finished(const TargetOutcome& t) {
  if (!dash_) return;
  dash_->update(t.name, [&](DashRow& row) {
    row.state = to_string(t.state);
    row.ended = true;
    row.ended_at = DashClock::now();
    if (!row.started) row.started_at = row.ended_at;
    if (t.state != TargetState::Succeeded) row.reason = t.detail;
  });
}

void RolloutView::note(const std::string& text) {
  if (dash_) dash_->note(text);
  else std::cout << format_time(std::chrono::system_clock::now(), "%H:%M:%S", Zone::Local) << " rollout: " << text << std::endl;
}

bool RolloutView::may_start(const WaveOutcome& prev, const WaveOutcome& next, size_t to_run) {
  if (!pause_) return true;
  std::cout << "\nwave " << prev.name << ": " << prev.count(TargetState::Succeeded) << " succeeded, " << prev.count(TargetState::Failed)
            << " failed\n";
  return confirm("start wave " + next.name + " (" + std::to_string(to_run) + " targets)", false).ok();
}

TargetPrinterFactory RolloutView::printers() {
  int services = static_cast<int>(m_.services.size());
  return [this, services](const ResolvedTarget& t) -> std::unique_ptr<StatusPrinter> {
    if (dash_) return std::make_unique<TargetDashboardPrinter>(*dash_, t.name, services);
    return std::make_unique<PlainPrinter>(std::cout, width_, color_, t.name + "/");
  };
}

void RolloutView::finish(const RolloutState& st, std::ostream& out, const std::string& stopped) {
  if (dash_) {
    for (const auto& w : st.waves)
      for (const auto& t : w.targets)
        if (t.state == TargetState::NotReached)
          dash_->update(t.name, [&](DashRow& row) {
            row.state = to_string(TargetState::NotReached);
            row.reason = t.detail;
          });
    dash_->finish();
  }
  if (!stopped.empty()) {  // the state this worker last read is stale: the caller says why, and what next
    out << "\nrollout " << st.run_id << ": this worker stopped; the rollout's state is in the state database: "
        << "orchestrate rollout --watch " << st.run_id << "\n";
    return;
  }
  render_rollout_matrix(m_, st, out, color_);
  out << "\nrollout " << st.run_id << ": " << st.outcome;
  if (!st.halted_reason.empty()) out << ": " << st.halted_reason;
  out << "\n";
  if (st.outcome == RolloutOutcome::Running)
    out << "this worker's part is done; other workers go on: orchestrate rollout --watch " << st.run_id << "\n";
  else if (st.outcome != RolloutOutcome::Succeeded)
    out << "after fixing the cause: orchestrate rollout --resume " << st.run_id << " (targets already done are skipped)\n";
}

int rollout_exit_code(const RolloutState& st, bool interrupted) {
  if (interrupted || st.outcome == RolloutOutcome::Interrupted) return 130;
  if (st.outcome == RolloutOutcome::Running) return st.halted_reason.empty() ? 0 : 1;  // others finish; a halt is every worker's
  return st.outcome == RolloutOutcome::Succeeded ? 0 : 1;
}

int report_ended(const Manifest& m, const RolloutState& st, bool color) {
  render_rollout_matrix(m, st, std::cout, color);
  std::cout << "\nrollout " << st.run_id << " already ended: " << st.outcome
            << (st.halted_reason.empty() ? "" : ": " + st.halted_reason) << "\n";
  if (st.outcome != RolloutOutcome::Succeeded) std::cout << "to run what did not succeed again: orchestrate rollout --resume " << st.run_id << "\n";
  return rollout_exit_code(st, false);
}

}  // namespace orch

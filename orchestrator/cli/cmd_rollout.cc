// `orchestrate rollout`: waves of targets in order (staging, canary, the rest), targets inside a wave
// at once up to its max_parallel, halting when a wave exceeds its error budget.
#include <unistd.h>

#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "engine/cancel_hub.h"
#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/printer_factory.h"
#include "cli/selection.h"
#include "engine/up_engine.h"
#include "dashboard/dashboard.h"
#include "report/formats.h"
#include "report/text_table.h"
#include "rollout/rollout_state.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

std::string short_state(const RunResult& r) {
  return r.outcome == Outcome::Skipped ? "skipped" : to_string(r.outcome);
}

void print_matrix(const Manifest& m, const RolloutState& st, std::ostream& out, bool color) {
  std::vector<std::string> head = {"WAVE", "TARGET", "STATE"};
  for (const auto& s : m.services) head.push_back(s.name);
  std::vector<std::vector<std::string>> rows;
  for (const auto& w : st.waves)
    for (const auto& t : w.targets) {
      std::vector<std::string> row = {w.name, t.name, t.state};
      for (const auto& s : m.services) {
        auto it = t.services.find(s.name);
        row.push_back(it == t.services.end() ? "-" : it->second);
      }
      rows.push_back(row);
    }
  auto paint = [&](const std::string& cell) -> const char* {
    if (!color) return "";
    if (cell == "succeeded" || cell == "applied" || cell == "up-to-date") return "\x1b[32m";
    if (cell == "failed") return "\x1b[31m";
    if (cell == "-") return "";
    return "\x1b[33m";
  };
  out << "\n";
  rows.insert(rows.begin(), head);
  write_table(out, rows, [&](size_t row, size_t col, const std::string& cell) {
    return row > 0 && col >= 2 ? paint(cell) : "";
  });
  out << "\n";
  for (const auto& w : st.waves)
    out << "wave " << w.name << ": " << w.count("succeeded") << " succeeded, " << w.count("failed") << " failed, "
        << w.count("not-reached") << " not reached" << (w.count("interrupted") ? ", " + std::to_string(w.count("interrupted")) + " interrupted" : "")
        << " (of " << w.targets.size() << "; error budget " << w.max_failures << ")\n";
  for (const auto& w : st.waves)
    for (const auto& t : w.targets)
      if (!t.detail.empty() && t.state != "succeeded") out << "  " << t.name << ": " << secrets::scrub(t.detail) << "\n";
}

}  // namespace

int run_rollout(const GlobalOptions& g, const RolloutOptions& o) {
  if (!g.targets.empty()) {
    std::cerr << "error: rollout takes its targets from [[rollout.wave]], not --target\n";
    return exit_code::kUsage;
  }
  auto loaded = load_for_command(g, false);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  if (m.rollout.empty()) {
    std::cerr << "error: " << m.file.string() << " has no [[rollout.wave]]; see docs/rollout.md\n";
    return exit_code::kUsage;
  }
  auto selected = select_services(m, {});
  auto lock_wait = parse_duration(o.lock_wait);
  if (!lock_wait) {
    std::cerr << "error: --lock-wait \"" << o.lock_wait << "\" is not a duration (use e.g. 30s, 5m)\n";
    return exit_code::kUsage;
  }
  std::vector<ResolvedTarget> known;
  try {
    known = all_targets(m);
  } catch (const std::exception& e) {
    std::cerr << "error: " << secrets::scrub(e.what()) << "\n";
    return exit_code::kUsage;
  }
  // Each wave's targets, globs expanded. A target belongs to the first wave that names it, so a last
  // wave of "*" means "the rest".
  std::vector<std::vector<ResolvedTarget>> wave_targets;
  std::set<std::string> placed;
  for (const auto& w : m.rollout) {
    std::vector<ResolvedTarget> ts;
    for (const auto& pattern : w.targets) {
      bool matched = false;
      for (const auto& t : known)
        if (glob_match(pattern, t.name)) {
          matched = true;
          if (placed.insert(t.name).second) ts.push_back(t);
        }
      if (!matched) {
        std::cerr << "error: rollout wave \"" << w.name << "\" names \"" << pattern << "\", which matches no target ("
                  << w.pos.str() << ")\n";
        return exit_code::kUsage;
      }
    }
    wave_targets.push_back(ts);
  }

  const auto state_dir = m.dir / ".orchestrate" / "rollouts";
  RolloutState st;
  if (!o.resume.empty()) {
    try {
      st = RolloutState::load(state_dir, o.resume);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return exit_code::kUsage;
    }
    if (st.outcome == "succeeded") {
      std::cout << "rollout " << st.run_id << " already succeeded; nothing to resume\n";
      return exit_code::kOk;
    }
    ++st.attempt;
    st.outcome = "running";
    st.halted_reason.clear();
    st.finished_at.clear();
  } else {
    st.run_id = new_run_id();
    st.project = m.project_name;
    st.started_at = iso8601_now();
  }
  // The manifest's waves are the truth; targets already done in an earlier attempt stay done.
  std::vector<WaveOutcome> waves;
  for (size_t w = 0; w < m.rollout.size(); ++w) {
    WaveOutcome wo;
    wo.name = m.rollout[w].name;
    wo.max_parallel = m.rollout[w].max_parallel;
    wo.max_failures = m.rollout[w].max_failures;
    for (const auto& t : wave_targets[w]) {
      TargetOutcome to;
      to.name = t.name;
      for (const auto& pw : st.waves)
        for (const auto& pt : pw.targets)
          if (pt.name == t.name && pt.state == "succeeded") to = pt;
      wo.targets.push_back(to);
    }
    waves.push_back(wo);
  }
  st.waves = waves;

  std::vector<ResolvedTarget> to_change;
  for (size_t w = 0; w < waves.size(); ++w)
    for (size_t i = 0; i < waves[w].targets.size(); ++i)
      if (waves[w].targets[i].state != "succeeded") to_change.push_back(wave_targets[w][i]);
  int rc = exit_code::kOk;
  if (!confirm_protected(m, to_change, o.yes, rc)) return rc;
  if (o.pause && !isatty(0)) {
    std::cerr << "error: --pause asks before each wave, and there is no terminal to ask on\n";
    return exit_code::kUsage;
  }

  CancelHub hub;
  SignalWatcher watcher(hub, [](int n) {
    std::cerr << (n == 1 ? "\ninterrupted: no new target starts; running targets stop and roll back\n"
                         : "\nalready stopping\n");
  });
  std::mutex mu;
  st.save(state_dir);
  size_t width = 11;
  for (const auto& s : m.services) width = std::max(width, s.name.size());
  bool color = want_color(1);
  std::cout << "rollout " << st.run_id << (st.attempt > 1 ? " (resumed, attempt " + std::to_string(st.attempt) + ")" : "")
            << ": " << waves.size() << " waves, state in " << (state_dir / (st.run_id + ".json")).string() << "\n";

  // On a terminal: one live row per target; otherwise plain lines prefixed with the target.
  std::unique_ptr<StdoutTerminal> term;
  std::unique_ptr<Dashboard> dash;
  if (use_dashboard(g) && !o.pause) {
    DashHeader h;
    h.title = "orchestrate rollout " + m.project_name;
    h.run_id = st.run_id;
    h.started_at = DashClock::now();
    std::vector<DashRow> rows;
    for (const auto& w : st.waves)
      for (const auto& t : w.targets) {
        DashRow r;
        r.label = t.name;
        r.state = t.state == "succeeded" ? "succeeded" : "queued";
        r.waiting_for = w.name;
        rows.push_back(r);
      }
    term = std::make_unique<StdoutTerminal>(color);
    dash = std::make_unique<Dashboard>(*term, h, rows, std::chrono::milliseconds(100));
  }

  bool halted = false;
  for (size_t w = 0; w < st.waves.size(); ++w) {
    WaveOutcome& wave = st.waves[w];
    if (halted || hub.cancelled()) {
      for (auto& t : wave.targets)
        if (t.state != "succeeded") {
          t.state = "not-reached";
          t.detail = hub.cancelled() ? "the rollout was interrupted" : st.halted_reason;
        }
      continue;
    }
    std::vector<size_t> todo;
    for (size_t i = 0; i < wave.targets.size(); ++i)
      if (wave.targets[i].state != "succeeded") todo.push_back(i);
    if (o.pause && w > 0 && !todo.empty()) {
      const WaveOutcome& prev = st.waves[w - 1];
      std::cout << "\nwave " << prev.name << ": " << prev.count("succeeded") << " succeeded, " << prev.count("failed")
                << " failed\n";
      int prc = 0;
      if (!confirm("start wave " + wave.name + " (" + std::to_string(todo.size()) + " targets)", false, prc)) {
        halted = true;
        st.halted_reason = "stopped at the pause before wave " + wave.name;
        --w;  // mark this wave not reached on the next turn
        continue;
      }
    }
    if (dash) dash->note("wave " + wave.name + ": " + std::to_string(todo.size()) + " targets, up to " +
                         std::to_string(wave.max_parallel) + " at once");
    else
      std::cout << "\n== wave " << wave.name << ": " << todo.size() << " target" << (todo.size() == 1 ? "" : "s")
                << ", up to " << wave.max_parallel << " at once\n";
    size_t next = 0;
    auto worker = [&] {
      for (;;) {
        size_t idx;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (next >= todo.size() || hub.cancelled()) return;
          idx = todo[next++];
          wave.targets[idx].state = "running";
        }
        const ResolvedTarget& target = wave_targets[w][idx];
        UpConfig uo;
        uo.selected = *selected;
        uo.jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);
        uo.lock_wait = *lock_wait;
        uo.run_id = st.attempt == 1 ? st.run_id : st.run_id + "-a" + std::to_string(st.attempt);
        uo.command = "rollout";
        PlainPrinter plain(std::cout, width, color, target.name + "/");
        std::unique_ptr<TargetDashboardPrinter> live;
        if (dash) live = std::make_unique<TargetDashboardPrinter>(*dash, target.name, static_cast<int>(selected->size()));
        StatusPrinter& printer = live ? static_cast<StatusPrinter&>(*live) : plain;
        UpEngine engine(m, uo, hub);
        UpOutcome r = engine.run(
            target, [&](const StatusReport*) -> StatusPrinter& { return printer; },
            [&](const std::string& note) { printer.note(note); });
        std::lock_guard<std::mutex> lock(mu);
        TargetOutcome& t = wave.targets[idx];
        t.history_run_id = uo.run_id;
        t.duration_ms = r.report.duration.count();
        t.services.clear();
        for (const auto& s : r.report.services) t.services[s.name] = short_state(s.result);
        if (r.exit_code == exit_code::kOk) {
          t.state = "succeeded";
          t.detail.clear();
        } else if (r.exit_code == exit_code::kInterrupted) {
          t.state = "interrupted";
          t.detail = "interrupted; its running migrations rolled back";
        } else {
          t.state = "failed";
          if (r.error) t.detail = r.error->message;
          else {
            for (const auto& s : r.report.services)
              if (s.result.outcome == Outcome::Failed) {
                t.detail = s.name + ": " + s.result.error;
                break;
              }
            if (t.detail.empty() && !r.report.rls.ok())
              t.detail = "RLS: " + (r.report.rls.reason.empty() ? std::to_string(r.report.rls.coverage.uncovered.size()) +
                                                                        " uncovered table(s)"
                                                                  : r.report.rls.reason);
          }
        }
        if (dash)
          dash->update(t.name, [&](DashRow& row) {
            row.state = t.state;
            row.ended = true;
            row.ended_at = DashClock::now();
            if (!row.started) row.started_at = row.ended_at;
            if (t.state != "succeeded") row.reason = t.detail;
          });
        st.save(state_dir);
      }
    };
    std::vector<std::thread> threads;
    size_t n = std::min<size_t>(static_cast<size_t>(wave.max_parallel), todo.size());
    for (size_t i = 0; i < n; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    for (auto& t : wave.targets)
      if (t.state == "pending" || t.state == "running") {
        t.state = "not-reached";
        t.detail = "the rollout was interrupted";
      }
    int failed = wave.count("failed");
    if (!hub.cancelled() && failed > wave.max_failures) {
      halted = true;
      st.halted_reason = "wave " + wave.name + " exceeded its error budget: " + std::to_string(failed) + " failed, " +
                         std::to_string(wave.max_failures) + " allowed; later waves were not started";
    }
    st.save(state_dir);
  }
  st.finished_at = iso8601_now();
  st.outcome = hub.cancelled() ? "interrupted" : halted ? "halted" : "succeeded";
  for (const auto& w : st.waves)
    if (st.outcome == "succeeded" && (w.count("failed") || w.count("not-reached"))) st.outcome = "failed";
  st.save(state_dir);
  if (dash) {
    for (const auto& w : st.waves)
      for (const auto& t : w.targets)
        if (t.state == "not-reached")
          dash->update(t.name, [&](DashRow& row) {
            row.state = "not-reached";
            row.reason = t.detail;
          });
    dash->finish();
  }

  print_matrix(m, st, std::cout, color);
  std::cout << "\nrollout " << st.run_id << ": " << st.outcome;
  if (!st.halted_reason.empty()) std::cout << ": " << st.halted_reason;
  std::cout << "\n";
  if (st.outcome != "succeeded")
    std::cout << "after fixing the cause: orchestrate rollout --resume " << st.run_id
              << " (targets already done are skipped)\n";
  if (st.outcome == "interrupted") return exit_code::kInterrupted;
  return st.outcome == "succeeded" ? exit_code::kOk : exit_code::kFailed;
}

}  // namespace orch

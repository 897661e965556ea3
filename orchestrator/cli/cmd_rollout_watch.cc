// `orchestrate rollout --watch ID`: a shared rollout as its state database has it, from any machine
// that can reach that database. On a terminal the view redraws; in plain output, one line per change;
// --format json prints the state once.
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "util/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/printer_factory.h"
#include "cli/rollout_view.h"
#include "cli/session_open.h"
#include "engine/rollout_start.h"
#include "status/plain_printer.h"
#include "util/clock_text.h"
#include "util/duration.h"

namespace orch {

namespace {

// "canary/prod-eu  failed  worker-1@pod-b  12.3s  users: …", one target.
std::string target_line(const WaveOutcome& w, const TargetOutcome& t) {
  std::string line = w.name + "/" + t.name + "  " + to_string(t.state);
  if (!t.worker.empty()) line += "  " + t.worker;
  if (t.duration_ms > 0) line += "  " + format_duration(Millis(t.duration_ms));
  if (!t.detail.empty()) line += "  " + t.detail;
  return line;
}

}  // namespace

int run_rollout_watch(const GlobalOptions& g, const std::string& run_id, const std::string& format) {
  auto loaded = load_for_command(g, false);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  auto timings = rollout_timings_from_env();
  if (!timings) {
    print_error(timings.error());
    return exit_code::kUsage;
  }
  const bool redraw = format != "json" && use_dashboard(g);
  std::map<std::string, std::string> seen;  // wave/target -> its last line
  std::optional<std::chrono::steady_clock::time_point> unreachable_since;
  for (;;) {
    auto st = read_shared_rollout(m, run_id, *timings);
    if (!st && st.error().exit_code == exit_code::kFailed && format != "json") {  // unreachable: as workers do, try again
      const auto now = std::chrono::steady_clock::now();
      if (!unreachable_since) {
        unreachable_since = now;
        std::cerr << "the state database is unreachable; trying again for up to "
                  << format_duration(timings->state.reconnect_window) << "\n";
      }
      if (now - *unreachable_since < timings->state.reconnect_window) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
    }
    if (!st) {
      print_error(st.error());
      return st.error().exit_code;
    }
    unreachable_since.reset();
    if (format == "json") {
      std::cout << st->to_json().dump(2) << "\n";
      return exit_code::kOk;
    }
    bool changed = false;
    for (const auto& w : st->waves)
      for (const auto& t : w.targets) {
        std::string line = target_line(w, t);
        std::string& last = seen[w.name + "/" + t.name];
        if (last == line) continue;
        last = line;
        changed = true;
        if (!redraw) std::cout << format_time(std::chrono::system_clock::now(), "%H:%M:%S", Zone::Local) << " " << line << "\n" << std::flush;
      }
    if (redraw && changed) {
      std::cout << "\x1b[H\x1b[2J" << "rollout " << st->run_id << " (" << st->outcome << ")\n";
      for (const auto& w : st->waves)
        for (const auto& t : w.targets) std::cout << "  " << target_line(w, t) << "\n";
      std::cout << std::flush;
    }
    if (st->outcome != RolloutOutcome::Running) return report_ended(m, *st, want_color(1));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace orch

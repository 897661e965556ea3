#pragma once
// What a person sees of a rollout: a live row per target on a terminal, plain lines otherwise; the
// state file written after every change; the final matrix.
#include <filesystem>
#include <memory>
#include <ostream>

#include "dashboard/dashboard.h"
#include "dashboard/terminal.h"
#include "engine/rollout_engine.h"
#include "engine/up_target_executor.h"

namespace orch {

class RolloutView : public RolloutObserver {
 public:
  RolloutView(const Manifest& m, const RolloutState& st, std::filesystem::path state_dir, bool live, bool pause,
              bool color);
  void wave_started(const WaveOutcome& wave, size_t to_run) override;
  void target_finished(const TargetOutcome& t) override;
  bool may_start(const WaveOutcome& previous, const WaveOutcome& next, size_t to_run) override;
  void save(const RolloutState& st) override { st.save(state_dir_); }
  void note(const std::string& text) override;
  // Each target's printer: its dashboard row, or plain lines prefixed "target/".
  TargetPrinterFactory printers();
  // The live view's last frame; then the matrix and the outcome line, unless this worker stopped early
  // (`stopped`: its state database was lost, so what it last read is stale).
  void finish(const RolloutState& st, std::ostream& out, const std::string& stopped = "");

 private:
  const Manifest& m_;
  std::filesystem::path state_dir_;
  bool pause_, color_;
  size_t width_ = 11;
  std::unique_ptr<StdoutTerminal> term_;
  std::unique_ptr<Dashboard> dash_;
};

// 0 succeeded (or this worker's part done while others go on), 1 failed or halted, 130 interrupted.
int rollout_exit_code(const RolloutState& st, bool interrupted);
// A rollout that had ended before this worker arrived: its matrix and outcome; returns the exit code.
int report_ended(const Manifest& m, const RolloutState& st, bool color);

struct GlobalOptions;
// `rollout --watch RUN_ID [--format text|json]` (cli/cmd_rollout_watch.cc).
int run_rollout_watch(const GlobalOptions& g, const std::string& run_id, const std::string& format);

}  // namespace orch

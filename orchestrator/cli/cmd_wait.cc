// `orchestrate wait`: blocks until every service on the selected targets is at head (with --until rls,
// protected by RLS too), for a Kubernetes init container or a deploy script. Read-only and lock-free
// (engine/wait_ready over status's reads); exits 0 when ready, 5 on timeout, 130 on Ctrl-C.
#include <iostream>

#include "cli/commands.h"
#include "cli/manifest_loading.h"
#include "cli/session_open.h"
#include "engine/cancel_hub.h"
#include "engine/wait_ready.h"
#include "inspect/status_inspector.h"
#include "util/exit_codes.h"

namespace orch {

namespace {

struct WaitOptions {
  std::string until = "head";
  std::string timeout = "10m";
  std::string interval = "2s";
  int jobs = 16;
};

std::string still_waiting(const std::vector<NotReady>& waiting) {
  std::string out;
  for (const auto& w : waiting) out += (out.empty() ? "" : "; ") + w.text;
  return out;
}

int run_wait(const GlobalOptions& g, const WaitOptions& o) {
  auto loaded = load_for_command(g);
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  WaitConfig cfg;
  cfg.until = o.until == "rls" ? WaitUntil::Rls : WaitUntil::Head;
  auto timeout = flag_duration("--timeout", o.timeout);
  auto interval = flag_duration("--interval", o.interval);
  if (!timeout || !interval) return exit_code::kUsage;
  if (interval->count() < 100) {
    std::cerr << "error: --interval \"" << o.interval << "\" is shorter than 100ms\n";
    return exit_code::kUsage;
  }
  if (cfg.until == WaitUntil::Rls && m.rls.require.empty()) {
    std::cerr << "error: --until rls waits for [rls] require, and " << m.file.string()
              << " requires no schema; add require = [...] to [rls] (docs/rls.md) or wait --until head\n";
    return exit_code::kUsage;
  }
  cfg.timeout = *timeout;
  cfg.interval = *interval;

  CancelHub hub;
  SignalWatcher watcher(hub, nullptr);
  InspectParts parts;
  parts.last_runs = false;
  parts.rls_coverage = cfg.until == WaitUntil::Rls;
  auto read = [&] { return inspect_targets(m, loaded->targets, o.jobs, parts); };
  auto say = [](const std::string& line) { std::cout << line << "\n" << std::flush; };
  WaitResult r = wait_until_ready(read, cfg, hub.waiter(), say);
  if (r.end == WaitEnd::Ready) return exit_code::kOk;
  if (r.end == WaitEnd::Interrupted) {
    std::cerr << "interrupted after " << format_duration(r.waited) << " while waiting for "
              << still_waiting(r.waiting) << "\n";
    return exit_code::kInterrupted;
  }
  std::cerr << "error: not ready after " << format_duration(r.waited) << " (--timeout " << o.timeout
            << "): still waiting for " << still_waiting(r.waiting)
            << "\n  hint: `orchestrate status` shows every service; `orchestrate up` applies what is pending\n";
  return exit_code::kWaitTimeout;
}

}  // namespace

CommandRun define_wait(CLI::App& c, CommandEnv& env) {
  auto o = std::make_shared<WaitOptions>();
  c.add_option("--until", o->until, "head (default): every service at head; rls: and every required table protected")
      ->check(CLI::IsMember({"head", "rls"}));
  c.add_option("--timeout", o->timeout, "give up after this long, with exit 5 (0: look once)")->capture_default_str();
  c.add_option("--interval", o->interval, "how often to look")->capture_default_str();
  c.add_option("-j,--jobs", o->jobs, "targets read at once, one connection each")->capture_default_str()->check(CLI::Range(1, 1024));
  return [o, &g = env.g] { return run_wait(g, *o); };
}

}  // namespace orch

#pragma once
// `orchestrate wait`: reads where every service stands (status's batched, lock-free reads) again and
// again until every one is at head, and with Until::Rls its RLS coverage verified too, or the time
// runs out. It never takes the run lock and never writes, so it can run beside an `up` (a Kubernetes
// init container, a deploy script).
#include <functional>
#include <string>
#include <vector>

#include "db/run_lock.h"
#include "report/status_report.h"
#include "util/duration.h"

namespace orch {

enum class WaitUntil { Head, Rls };

struct WaitConfig {
  WaitUntil until = WaitUntil::Head;
  Millis timeout{10 * 60 * 1000};  // 0: look once
  Millis interval{2000};           // between readings
};

// One thing not ready yet. `key` says what it is and why, without the volatile detail (an error's
// wording, a count), so the same wait is announced once however often it is read.
struct NotReady {
  std::string key;
  std::string text;
  std::string meanwhile;  // said after `text` when it is announced ("; trying again until the timeout")
};

// Pure: what one reading of every target still waits for, in target then manifest order. Target names
// are shown when there are several.
std::vector<NotReady> not_ready(const std::vector<StatusReport>& reports, WaitUntil until);

enum class WaitEnd { Ready, TimedOut, Interrupted };

struct WaitResult {
  WaitEnd end = WaitEnd::Ready;
  std::vector<NotReady> waiting;  // what was still not ready at the end (TimedOut, Interrupted)
  Millis waited{0};
};

// Reads with `read` until ready, the timeout passes, or `waiter.sleep` returns false (Ctrl-C). `say`
// gets one line for each new thing it waits for (not one per reading), and "ready after …" at the end.
WaitResult wait_until_ready(const std::function<std::vector<StatusReport>()>& read, const WaitConfig& cfg,
                            const Waiter& waiter, const std::function<void(const std::string&)>& say);

}  // namespace orch

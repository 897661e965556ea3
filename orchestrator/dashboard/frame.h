#pragma once
// One frame of the live view, as plain data and a pure function to lines: what the tests compare.
#include <chrono>
#include <string>
#include <vector>

namespace orch {

using DashClock = std::chrono::steady_clock;

struct DashRow {
  std::string label;        // a service, or a target in a rollout
  std::string state;        // queued, waiting, running, applied, up-to-date, failed, skipped, interrupted,
                            // succeeded, not-reached
  std::string waiting_for;  // state "waiting": on what
  std::string revisions;    // "(none) -> c2e8a4f6b913"
  int done = 0;             // migrations (or services, in a rollout) done
  int total = -1;           // of how many; -1 unknown
  std::string last_line;    // the newest output line while running
  std::vector<std::string> tail;  // the last lines, shown under a failed row
  std::string reason;       // skipped (needs X), failure summary
  std::string blocked_by;   // "pid 4242" while its last attempt timed out behind that session's lock
  bool started = false;
  DashClock::time_point started_at{};
  DashClock::time_point ended_at{};
  bool ended = false;
};

struct DashHeader {
  std::string title;   // "orchestrate up mindmirror on default"
  std::string run_id;
  DashClock::time_point started_at{};
  std::string note;    // the newest note (lock waits, the RLS phase, an interrupt)
};

// Lines fitted to `width` columns (never longer), with colour codes only when `color`.
std::vector<std::string> render_frame(const DashHeader& h, const std::vector<DashRow>& rows, int width,
                                      DashClock::time_point now, bool color, int spinner_frame);


// Display width of a line, ignoring colour escape codes and counting code points.
size_t display_width(const std::string& s);

}  // namespace orch

#include "report/running_run.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/duration.h"
#include "util/secrets.h"

namespace orch {

namespace {

std::string step_text(const RunningStep& s) {
  if (s.finished)
    return s.state + (s.applied ? " (" + std::to_string(s.applied) + " applied)" : "") + " in " +
           format_duration(Millis(s.running_ms));
  std::string t = "running for " + format_duration(Millis(s.running_ms)) + ", " + std::to_string(s.applied) + " applied";
  if (!s.current.empty()) t += "; on " + s.current + " for " + format_duration(Millis(s.current_ms));
  if (s.waiting_pid)
    t += "; waiting for a lock held by pid " + std::to_string(s.waiting_pid) +
         (s.waiting_on.empty() ? "" : " (" + s.waiting_on + ")");
  return t;
}

}  // namespace

void render_running_run(const RunInProgress& r, std::ostream& out) {
  if (r.alive)
    out << "RUN IN PROGRESS " << r.run_id << " (" << r.command << ") by " << r.os_user << "@" << r.host << " since "
        << r.started_at << " (" << format_duration(Millis(r.elapsed_ms)) << ")\n";
  else
    out << "RUN " << r.run_id << " (" << r.command << ") by " << r.os_user << "@" << r.host << " since " << r.started_at
        << " never finished: its session is gone (killed?); the next run records it as abandoned. Its last progress, "
        << format_duration(Millis(r.quiet_ms)) << " ago:\n";
  size_t width = 0;
  for (const auto& s : r.steps) width = std::max(width, s.service.size());
  for (const auto& p : r.pending) width = std::max(width, p.size());
  for (const auto& s : r.steps)
    out << "  " << s.service << std::string(width - s.service.size(), ' ') << "  " << step_text(s) << "\n";
  for (const auto& p : r.pending) out << "  " << p << std::string(width - p.size(), ' ') << "  pending\n";
}

nlohmann::ordered_json running_run_json(const std::optional<RunInProgress>& r) {
  using ojson = nlohmann::ordered_json;
  if (!r) return nullptr;
  ojson steps = ojson::array();
  for (const auto& s : r->steps)
    steps.push_back({{"service", s.service}, {"state", s.state}, {"finished", s.finished}, {"applied", s.applied},
                     {"running_ms", s.running_ms},
                     {"current", s.current.empty() ? ojson(nullptr) : ojson(s.current)},
                     {"current_ms", s.current.empty() ? ojson(nullptr) : ojson(s.current_ms)},
                     {"waiting_pid", s.waiting_pid ? ojson(s.waiting_pid) : ojson(nullptr)},
                     {"waiting_on", s.waiting_on.empty() ? ojson(nullptr) : ojson(secrets::scrub(s.waiting_on))},
                     {"error", s.error.empty() ? ojson(nullptr) : ojson(secrets::scrub(s.error))}});
  return {{"run_id", r->run_id}, {"command", r->command}, {"os_user", r->os_user}, {"host", r->host},
          {"started_at", r->started_at}, {"elapsed_ms", r->elapsed_ms}, {"quiet_ms", r->quiet_ms},
          {"alive", r->alive}, {"services", steps}, {"pending", r->pending}};
}

}  // namespace orch

#include "engine/wait_ready.h"

#include <algorithm>
#include <set>

#include "db/database.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

// "users: 2 pending", "users: not-initialised", "users: ahead/unknown (the database has …)".
std::string service_text(const ServiceStatus& s) {
  if (s.state == service_state::kPending) return s.name + ": " + std::to_string(s.pending.size()) + " pending";
  return s.name + ": " + to_string(s.state) + (s.detail.empty() ? "" : " (" + secrets::scrub(first_error_line(s.detail)) + ")");
}

void target_not_ready(const StatusReport& r, WaitUntil until, const std::string& on, std::vector<NotReady>& out) {
  const std::string where = on.empty() ? "" : " on " + on;
  bool unreachable = false;
  for (const auto& s : r.services) unreachable = unreachable || s.state == service_state::kUnreachable;
  if (unreachable) {  // one line for the database, not one per service: it is not up yet, say
    std::string why;
    for (const auto& s : r.services)
      if (s.state == service_state::kUnreachable) why = s.detail;
    out.push_back({"unreachable" + where,
                   "the database" + where + " to accept connections (" + secrets::scrub(first_error_line(why)) + ")",
                   "; trying again until the timeout"});
    return;
  }
  for (const auto& s : r.services)
    if (!s.at_head()) out.push_back({s.name + where + " " + to_string(s.state), service_text(s) + where, ""});
  if (until != WaitUntil::Rls) return;
  if (!r.rls.error.empty()) out.push_back({"rls-error" + where, "RLS coverage" + where + ": " + r.rls.error, ""});
  else if (!r.rls.checked) out.push_back({"rls-unchecked" + where, "RLS coverage" + where + ": not verified yet", ""});
  else if (!r.rls.ok()) out.push_back({"rls" + where, "RLS" + where + ": " + r.rls.problem_summary(), ""});
}

}  // namespace

std::vector<NotReady> not_ready(const std::vector<StatusReport>& reports, WaitUntil until) {
  std::vector<NotReady> out;
  for (const auto& r : reports) target_not_ready(r, until, reports.size() > 1 ? r.target : "", out);
  return out;
}

WaitResult wait_until_ready(const std::function<std::vector<StatusReport>()>& read, const WaitConfig& cfg,
                            const Waiter& waiter, const std::function<void(const std::string&)>& say) {
  const auto start = waiter.clock.now();
  const auto deadline = start + cfg.timeout;
  std::set<std::string> announced;  // keys said last time
  WaitResult res;
  for (;;) {
    res.waiting = not_ready(read(), cfg.until);
    res.waited = std::chrono::duration_cast<Millis>(waiter.clock.now() - start);
    std::set<std::string> now;
    for (const auto& w : res.waiting) {
      now.insert(w.key);
      if (!announced.count(w.key)) say("waiting for " + w.text + w.meanwhile);
    }
    if (res.waiting.empty()) {
      say("ready after " + format_duration(res.waited));
      res.end = WaitEnd::Ready;
      return res;
    }
    announced = std::move(now);
    const auto left = deadline - waiter.clock.now();
    if (left <= Clock::time_point::duration::zero()) {
      res.end = WaitEnd::TimedOut;
      return res;
    }
    if (!waiter.sleep(std::min(cfg.interval, std::chrono::duration_cast<Millis>(left) + Millis(1)))) {
      res.end = WaitEnd::Interrupted;
      return res;
    }
  }
}

}  // namespace orch

#include "rollout/barrier_text.h"

#include "util/text.h"

namespace orch {

std::string barrier_wait_text(const WaveOutcome& wave, Millis waited, const std::string& since) {
  std::vector<std::string> items;
  for (const auto& t : wave.targets) {
    if (t.state != TargetState::Running) continue;
    std::string item = t.name + " on " + (t.worker.empty() ? std::string("an unknown worker") : t.worker);
    std::vector<std::string> facts;
    if (!t.started_at.empty()) facts.push_back("running since " + t.started_at);
    if (t.heard_ms_ago >= kSilentWorker.count())
      facts.push_back("no heartbeat for " + format_duration(Millis(t.heard_ms_ago)) + ": stopped or cut off?");
    if (!facts.empty()) item += " (" + join(facts, "; ") + ")";
    items.push_back(item);
  }
  std::string text = "wave " + wave.name + ": waiting " + format_duration(waited) + " (since " + since + ") for ";
  if (items.empty()) return text + "the wave's last targets to be recorded";
  return text + std::to_string(items.size()) + " target" + (items.size() == 1 ? "" : "s") + " of other workers: " +
         join(items, ", ");
}

}  // namespace orch

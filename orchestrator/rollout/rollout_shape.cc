#include "rollout/rollout_shape.h"

#include <algorithm>

#include "util/sha256.h"
#include "util/text.h"

namespace orch {

nlohmann::json rollout_shape(const Manifest& m, const RolloutState& st, const ServiceHeads& heads) {
  nlohmann::json services = nlohmann::json::array();
  nlohmann::json service_heads = nlohmann::json::object();
  for (const auto& s : m.services) {
    services.push_back(s.name + ":" + s.runner + ":" + s.schema);
    auto it = heads.find(s.name);
    service_heads[s.name] = it == heads.end() ? std::vector<std::string>{} : it->second;
  }
  nlohmann::json waves = nlohmann::json::array();
  for (const auto& w : st.waves) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& t : w.targets) names.push_back(t.name);
    waves.push_back({{"name", w.name}, {"max_parallel", w.max_parallel}, {"max_failures", w.max_failures}, {"targets", names}});
  }
  return {{"services", services}, {"heads", service_heads}, {"waves", waves}};
}

std::string shape_fingerprint(const nlohmann::json& shape) { return sha256_hex(shape.dump()); }

namespace {

std::vector<std::string> strings(const nlohmann::json& a) {
  std::vector<std::string> out;
  for (const auto& v : a) out.push_back(v.get<std::string>());
  return out;
}

void compare_lists(const std::string& what, const std::vector<std::string>& ours, const std::vector<std::string>& theirs,
                   std::vector<std::string>& out) {
  std::vector<std::string> only_ours, only_theirs;
  for (const auto& x : ours)
    if (std::find(theirs.begin(), theirs.end(), x) == theirs.end()) only_ours.push_back(x);
  for (const auto& x : theirs)
    if (std::find(ours.begin(), ours.end(), x) == ours.end()) only_theirs.push_back(x);
  if (!only_ours.empty()) out.push_back(what + ": this worker has " + join(only_ours, ", ") + ", the rollout has not");
  if (!only_theirs.empty()) out.push_back(what + ": the rollout has " + join(only_theirs, ", ") + ", this worker has not");
  if (only_ours.empty() && only_theirs.empty() && ours != theirs) out.push_back(what + ": the same, in another order");
}

std::string heads_text(const nlohmann::json& heads) {
  std::vector<std::string> h = strings(heads);
  return h.empty() ? "no migration" : join(h, ", ");
}

// A service both sides have whose migrations end elsewhere: one worker is from another release.
void compare_heads(const nlohmann::json& ours, const nlohmann::json& theirs, std::vector<std::string>& out) {
  if (!ours.contains("heads") && !theirs.contains("heads")) return;
  if (!theirs.contains("heads")) {
    out.push_back("migration heads: the rollout was created by an orchestrate that does not record them");
    return;
  }
  const auto& oh = ours.value("heads", nlohmann::json::object());
  const auto& th = theirs["heads"];
  for (auto it = oh.begin(); it != oh.end(); ++it) {
    if (!th.contains(it.key()) || *it == th[it.key()]) continue;
    out.push_back("service " + it.key() + ": this worker's migrations end at " + heads_text(*it) + ", the rollout's at " +
                  heads_text(th[it.key()]));
  }
}

}  // namespace

std::vector<std::string> shape_differences(const nlohmann::json& ours, const nlohmann::json& theirs) {
  std::vector<std::string> out;
  compare_lists("services", strings(ours.value("services", nlohmann::json::array())),
                strings(theirs.value("services", nlohmann::json::array())), out);
  const auto& ow = ours.value("waves", nlohmann::json::array());
  const auto& tw = theirs.value("waves", nlohmann::json::array());
  std::vector<std::string> on, tn;
  for (const auto& w : ow) on.push_back(w.value("name", ""));
  for (const auto& w : tw) tn.push_back(w.value("name", ""));
  compare_heads(ours, theirs, out);
  compare_lists("waves", on, tn, out);
  for (size_t i = 0; i < std::min(ow.size(), tw.size()); ++i) {
    const std::string name = ow[i].value("name", "");
    if (name != tw[i].value("name", "")) continue;
    compare_lists("targets of wave " + name, strings(ow[i]["targets"]), strings(tw[i]["targets"]), out);
    for (const char* key : {"max_parallel", "max_failures"})
      if (ow[i].value(key, 0) != tw[i].value(key, 0))
        out.push_back(std::string(key) + " of wave " + name + ": this worker has " + std::to_string(ow[i].value(key, 0)) +
                      ", the rollout has " + std::to_string(tw[i].value(key, 0)));
  }
  if (out.empty() && ours != theirs) out.push_back("the manifests differ");
  return out;
}

}  // namespace orch

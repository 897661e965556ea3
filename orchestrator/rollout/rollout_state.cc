#include "rollout/rollout_state.h"

#include <fstream>
#include <sstream>

#include "util/exit_codes.h"
#include "util/fatal.h"

namespace orch {

int WaveOutcome::count(TargetState state) const {
  int n = 0;
  for (const auto& t : targets) n += t.state == state;
  return n;
}

nlohmann::ordered_json RolloutState::to_json() const {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["kind"] = "rollout";
  j["run_id"] = run_id;
  j["project"] = project;
  j["started_at"] = started_at;
  j["finished_at"] = finished_at.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(finished_at);
  j["outcome"] = to_string(outcome);
  j["halted_reason"] = halted_reason.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(halted_reason);
  j["attempt"] = attempt;
  nlohmann::ordered_json ws = nlohmann::ordered_json::array();
  for (const auto& w : waves) {
    nlohmann::ordered_json jw;
    jw["name"] = w.name;
    jw["max_parallel"] = w.max_parallel;
    jw["max_failures"] = w.max_failures;
    nlohmann::ordered_json ts = nlohmann::ordered_json::array();
    for (const auto& t : w.targets) {
      nlohmann::ordered_json jt;
      jt["name"] = t.name;
      jt["state"] = to_string(t.state);
      jt["detail"] = t.detail.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t.detail);
      jt["history_run_id"] = t.history_run_id;
      jt["duration_ms"] = t.duration_ms;
      jt["worker"] = t.worker.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t.worker);
      nlohmann::ordered_json svc = nlohmann::ordered_json::object();
      for (const auto& [k, v] : t.services) svc[k] = v;
      jt["services"] = svc;
      ts.push_back(jt);
    }
    jw["targets"] = ts;
    jw["totals"] = {{"succeeded", w.count(TargetState::Succeeded)}, {"failed", w.count(TargetState::Failed)},
                    {"not_reached", w.count(TargetState::NotReached)}, {"interrupted", w.count(TargetState::Interrupted)}};
    ws.push_back(jw);
  }
  j["waves"] = ws;
  return j;
}

RolloutState RolloutState::from_json(const nlohmann::json& j) {
  RolloutState s;
  s.run_id = j.at("run_id");
  s.project = j.at("project");
  s.started_at = j.at("started_at");
  s.outcome = rollout_outcome_from(j.at("outcome").get<std::string>(), "rollout " + s.run_id);
  s.attempt = j.value("attempt", 1);
  for (const auto& jw : j.at("waves")) {
    WaveOutcome w;
    w.name = jw.at("name");
    w.max_parallel = jw.at("max_parallel");
    w.max_failures = jw.at("max_failures");
    for (const auto& jt : jw.at("targets")) {
      TargetOutcome t;
      t.name = jt.at("name");
      t.state = target_state_from(jt.at("state").get<std::string>(), "target " + t.name + " of wave " + w.name);
      if (!jt.at("detail").is_null()) t.detail = jt.at("detail");
      t.history_run_id = jt.value("history_run_id", "");
      t.duration_ms = jt.value("duration_ms", 0LL);
      if (jt.contains("worker") && jt["worker"].is_string()) t.worker = jt["worker"];
      for (auto it = jt.at("services").begin(); it != jt.at("services").end(); ++it) t.services[it.key()] = it.value();
      w.targets.push_back(t);
    }
    s.waves.push_back(w);
  }
  return s;
}

void RolloutState::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  auto tmp = dir / (run_id + ".json.tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json().dump(2) << "\n";
  }
  std::filesystem::rename(tmp, dir / (run_id + ".json"));
}

RolloutState RolloutState::load(const std::filesystem::path& dir, const std::string& run_id) {
  auto p = dir / (run_id + ".json");
  std::ifstream in(p);
  if (!in)
    throw Fatal(Error{"no rollout " + run_id, p.string(), "orchestrate rollout --resume takes a run id printed by an earlier rollout",
                      exit_code::kUsage});
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return from_json(nlohmann::json::parse(ss.str()));
  } catch (const std::exception& e) {
    throw Fatal(Error{std::string("cannot read the rollout state: ") + e.what(), p.string(), "", exit_code::kUsage});
  }
}

}  // namespace orch

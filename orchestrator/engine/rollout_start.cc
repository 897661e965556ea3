#include "engine/rollout_start.h"

#include <cstdlib>

#include "db/database.h"
#include "db/db.h"
#include "migration_kind.h"
#include "status/run_logs.h"
#include "util/clock_text.h"
#include "util/identity.h"
#include "util/secrets.h"
#include "util/text.h"
#include "db/db_error.h"
#include "util/exit_codes.h"
#include "util/fatal.h"

namespace orch {

namespace {

Result<std::string> state_url(const Manifest& m) {
  auto url = resolve_database(m.rollout_state);
  if (!url) return url.error();
  return with_state_keepalives(*url);
}

Error unreachable(const Manifest& m, const std::string& url, const std::exception& e) {
  return db_error(e, "cannot reach the rollout state database " + secrets::redact_url(url), m.rollout_state.pos.str());
}

// Every state connection, first or after a reconnect, is made here.
PgRolloutStore::Connect state_connector(std::string url, std::string who) {
  return [url = std::move(url), who = std::move(who)] {
    std::unique_ptr<Db> db = connect_db(url, "orchestrate/rollout " + who);
    tune_state_session(*db);
    return db;
  };
}

Result<RolloutStart> start_local(const Manifest& m, const WaveTargets& targets, const RolloutRequest& req) {
  RolloutStart out;
  out.where = req.state_dir.string();
  RolloutState st;
  if (req.resume.empty()) {
    st.run_id = req.run_id.empty() ? new_run_id() : req.run_id;
    st.project = m.project_name;
    st.started_at = iso8601_now();
    out.state = merge_resume(m.rollout, targets, st);
    out.created = true;
    return out;
  }
  try {
    st = RolloutState::load(req.state_dir, req.resume);
  } catch (const Fatal& e) {  // no such state file, or its JSON is not a rollout's
    return e.error();
  }
  out.ended = st.outcome == RolloutOutcome::Succeeded;
  if (!out.ended) {
    ++st.attempt;
    st.outcome = RolloutOutcome::Running;
    st.halted_reason.clear();
    st.finished_at.clear();
    st = merge_resume(m.rollout, targets, st);
  }
  out.state = std::move(st);
  return out;
}

Result<Millis> env_duration(const char* name, Millis fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  auto d = read_duration(v);
  if (!d) return Error{std::string(name) + "=" + v + ": " + d.error().message, name, "write a duration: 500ms, 10s, 2m", exit_code::kUsage};
  if (d->count() <= 0) return Error{std::string(name) + " must be more than 0", name, "", exit_code::kUsage};
  return *d;
}

}  // namespace

Result<RolloutTimings> rollout_timings_from_env() {
  RolloutTimings t;
  auto reconnect = env_duration("ORCHESTRATE_ROLLOUT_RECONNECT", t.state.reconnect_window);
  if (!reconnect) return reconnect.error();
  auto takeover = env_duration("ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER", t.state.takeover_after);
  if (!takeover) return takeover.error();
  auto stall = env_duration("ORCHESTRATE_ROLLOUT_STALL_REPORT", t.stall_report);
  if (!stall) return stall.error();
  t.state.reconnect_window = *reconnect;
  t.state.takeover_after = *takeover;
  t.stall_report = *stall;
  return t;
}

std::string with_state_keepalives(const std::string& url) {
  const bool is_url = starts_with(url, "postgres://") || starts_with(url, "postgresql://");
  std::string out = url;
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  for (const char* kv : {"keepalives=1", "keepalives_idle=5", "keepalives_interval=5", "keepalives_count=3",
                         "tcp_user_timeout=20000", "connect_timeout=5"}) {
    const std::string key = std::string(kv).substr(0, std::string(kv).find('=') + 1);
    if (out.find(key) != std::string::npos) continue;
    out += is_url ? std::string(1, sep) + kv : " " + std::string(kv);
    sep = '&';
  }
  return out;
}

ServiceHeads service_heads(const Manifest& m) {
  ServiceHeads heads;
  for (const auto& s : m.services) {
    const MigrationKind& kind = migration_kind(s.runner);
    if (!kind.tracks_versions()) continue;
    ServiceStatus st;
    kind.read_state(s, VersionRows{}, st);  // no rows: only the files speak
    heads[s.name] = st.heads;
  }
  return heads;
}

Result<RolloutStart> start_rollout(const Manifest& m, const WaveTargets& targets, const RolloutRequest& req) {
  if (m.rollout_state.spec.empty()) return start_local(m, targets, req);
  RolloutStart out;
  out.worker = worker_name();
  out.where = "the state database (" + m.rollout_state.spec + ")";
  auto url = state_url(m);
  if (!url) return url.error();
  RolloutState initial;
  initial.run_id = !req.resume.empty() ? req.resume : req.run_id.empty() ? new_run_id() : req.run_id;
  initial.project = m.project_name;
  initial.started_at = iso8601_now();
  initial = merge_resume(m.rollout, targets, initial);
  auto connect = state_connector(*url, out.worker);
  try {
    if (!req.resume.empty()) {  // a halted rollout whose last workers died is closed first, so it can reopen
      auto db = connect();
      auto settled = PgRolloutStore::read(*db, req.resume, req.timings.state.takeover_after,
                                          req.timings.state.takeover_after + std::chrono::seconds(5));
      if (!settled) return settled.error();
    }
    auto store = PgRolloutStore::open(connect, initial, rollout_shape(m, initial, service_heads(m)), out.worker,
                                      !req.resume.empty(), req.timings.state);
    if (!store) return store.error();
    out.created = (*store)->created();
    out.state = (*store)->snapshot();
    out.ended = out.state.outcome != RolloutOutcome::Running;
    out.shared = std::move(*store);
  } catch (const std::exception& e) {
    return unreachable(m, *url, e);
  }
  return out;
}

Result<RolloutState> read_shared_rollout(const Manifest& m, const std::string& run_id, const RolloutTimings& timings) {
  if (m.rollout_state.spec.empty())
    return Error{"--watch reads the shared state database: set [rollout] state", m.file.string(), "", exit_code::kUsage};
  auto url = state_url(m);
  if (!url) return url.error();
  try {
    auto db = state_connector(*url, "watch")();
    return PgRolloutStore::read(*db, run_id, timings.state.takeover_after, Millis(0));
  } catch (const std::exception& e) {
    return unreachable(m, *url, e);
  }
}

std::vector<ResolvedTarget> targets_to_change(const RolloutState& st, const WaveTargets& targets) {
  std::vector<ResolvedTarget> out;
  for (size_t w = 0; w < st.waves.size(); ++w)
    for (size_t i = 0; i < st.waves[w].targets.size(); ++i)
      if (st.waves[w].targets[i].state != TargetState::Succeeded) out.push_back(targets[w][i]);
  return out;
}

}  // namespace orch

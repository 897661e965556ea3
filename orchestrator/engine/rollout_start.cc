#include "engine/rollout_start.h"

#include "db/database.h"
#include "db/db.h"
#include "rollout/pg_rollout_store.h"
#include "rollout/rollout_shape.h"
#include "status/run_logs.h"
#include "util/clock_text.h"
#include "util/identity.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

Result<std::unique_ptr<Db>> connect_state(const Manifest& m, const std::string& who) {
  auto url = resolve_database(m.rollout_state);
  if (!url) return url.error();
  try {
    return connect_db(*url, "orchestrate/rollout " + who);
  } catch (const std::exception& e) {
    return Error{"cannot reach the rollout state database " + secrets::redact_url(*url) + ": " +
                     secrets::scrub(first_error_line(e.what())),
                 m.rollout_state.pos.str(), "", 1};
  }
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
  } catch (const std::exception& e) {  // the state file's JSON
    return Error{e.what(), "", "", 2};
  }
  out.ended = st.outcome == "succeeded";
  if (!out.ended) {
    ++st.attempt;
    st.outcome = "running";
    st.halted_reason.clear();
    st.finished_at.clear();
    st = merge_resume(m.rollout, targets, st);
  }
  out.state = std::move(st);
  return out;
}

}  // namespace

Result<RolloutStart> start_rollout(const Manifest& m, const WaveTargets& targets, const RolloutRequest& req) {
  if (m.rollout_state.spec.empty()) return start_local(m, targets, req);
  RolloutStart out;
  out.worker = worker_name();
  out.where = "the state database (" + m.rollout_state.spec + ")";
  auto db = connect_state(m, out.worker);
  if (!db) return db.error();
  RolloutState initial;
  initial.run_id = !req.resume.empty() ? req.resume : req.run_id.empty() ? new_run_id() : req.run_id;
  initial.project = m.project_name;
  initial.started_at = iso8601_now();
  initial = merge_resume(m.rollout, targets, initial);
  auto store = PgRolloutStore::open(std::move(*db), initial, rollout_shape(m, initial), out.worker, !req.resume.empty());
  if (!store) return store.error();
  out.created = (*store)->created();
  out.state = (*store)->snapshot();
  out.ended = out.state.outcome != "running";
  out.shared = std::move(*store);
  return out;
}

Result<RolloutState> read_shared_rollout(const Manifest& m, const std::string& run_id) {
  if (m.rollout_state.spec.empty())
    return Error{"--watch reads the shared state database: set [rollout] state", m.file.string(), "", 2};
  auto db = connect_state(m, "watch");
  if (!db) return db.error();
  return PgRolloutStore::read(**db, run_id);
}

}  // namespace orch

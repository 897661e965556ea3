#include "history/progress_writer.h"

#include <fstream>
#include <sstream>

#include "db/database.h"
#include "db/db.h"
#include "util/secrets.h"
#include "util/sha256.h"

namespace orch {

namespace {

using Clock = std::chrono::steady_clock;

// How long the writer waits after an event for more before it writes (status lags by at most this).
constexpr std::chrono::milliseconds kGather{50};

long long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// A migration that names a file of the service (the sql and supabase kinds' files) is checksummed as
// the sql ledger does (sha256 of its contents); a revision id names no file and has none.
std::string file_checksum(const ServiceSpec& s, const std::string& file) {
  if (file.empty() || file.size() < 4 || file.compare(file.size() - 4, 4, ".sql") != 0) return "";
  std::ifstream in(s.path / file, std::ios::binary);
  if (!in) return "";
  std::ostringstream buf;
  buf << in.rdbuf();
  return sha256_hex(buf.str());
}

// Everything that changed, in one statement: the run row, the steps and the migrations are upserts, so
// writing the same truth twice is harmless and the last write wins. Times are the server's clock minus
// how long ago the event happened here, so they do not depend on this machine's clock.
constexpr const char* kWriteSql =
    "WITH run AS ("
    "  UPDATE orchestrate.runs SET updated_at = clock_timestamp(), "
    "    planned_services = coalesce($2::text[], planned_services) WHERE run_id = $1 RETURNING 1), "
    "steps AS ("
    "  INSERT INTO orchestrate.run_steps (run_id, service, runner, schema_name, before_revisions, after_revisions, "
    "    applied, duration_ms, state, error, lock_timeouts, started_at, current_migration, current_since, "
    "    waiting_pid, waiting_on, updated_at, finished_at) "
    "  SELECT $1, s.name, s.runner, s.schema, s.before::text[], s.after::text[], s.applied::int, s.duration::bigint, "
    "    s.state, NULLIF(s.error, ''), s.lock_timeouts::int, clock_timestamp() - s.started_ago::bigint * interval '1 ms', "
    "    NULLIF(s.cur, ''), CASE WHEN s.cur <> '' THEN clock_timestamp() - s.cur_ago::bigint * interval '1 ms' END, "
    "    NULLIF(s.wpid::int, 0), NULLIF(s.won, ''), clock_timestamp(), "
    "    CASE WHEN s.finished::bool THEN clock_timestamp() END "
    "  FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], "
    "    $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) "
    "    AS s(name, runner, schema, before, after, applied, duration, state, error, lock_timeouts, started_ago, cur, "
    "         cur_ago, wpid, won, finished) "
    "  ON CONFLICT (run_id, service) DO UPDATE SET after_revisions = EXCLUDED.after_revisions, "
    "    applied = EXCLUDED.applied, duration_ms = EXCLUDED.duration_ms, state = EXCLUDED.state, "
    "    error = EXCLUDED.error, lock_timeouts = EXCLUDED.lock_timeouts, current_migration = EXCLUDED.current_migration, "
    "    current_since = EXCLUDED.current_since, waiting_pid = EXCLUDED.waiting_pid, waiting_on = EXCLUDED.waiting_on, "
    "    updated_at = EXCLUDED.updated_at, finished_at = EXCLUDED.finished_at "
    "  RETURNING 1), "
    "migs AS ("
    "  INSERT INTO orchestrate.run_migrations (run_id, service, seq, migration, from_revision, file, checksum, "
    "    started_at, duration_ms, outcome, lock_timeouts, error) "
    "  SELECT $1, m.service, m.seq::int, m.id, NULLIF(m.from_rev, ''), NULLIF(m.file, ''), NULLIF(m.checksum, ''), "
    "    clock_timestamp() - m.started_ago::bigint * interval '1 ms', NULLIF(m.duration::bigint, -1), m.outcome, "
    "    m.lock_timeouts::int, NULLIF(m.error, '') "
    "  FROM unnest($19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], "
    "    $26::text[], $27::text[], $28::text[], $29::text[]) "
    "    AS m(service, seq, id, from_rev, file, checksum, started_ago, duration, outcome, lock_timeouts, error) "
    "  ON CONFLICT (run_id, service, seq) DO UPDATE SET duration_ms = EXCLUDED.duration_ms, "
    "    outcome = EXCLUDED.outcome, lock_timeouts = EXCLUDED.lock_timeouts, error = EXCLUDED.error, "
    "    checksum = coalesce(EXCLUDED.checksum, orchestrate.run_migrations.checksum), "
    "    file = coalesce(EXCLUDED.file, orchestrate.run_migrations.file) "
    "  RETURNING 1) "
    "SELECT (SELECT count(*) FROM run), (SELECT count(*) FROM steps), (SELECT count(*) FROM migs)";

}  // namespace

ProgressWriter::ProgressWriter(ProgressTarget target, StatusPrinter& inner) : t_(std::move(target)), inner_(inner) {
  dirty_ = true;  // the planned services
  thread_ = std::thread([this] { loop(); });
}

ProgressWriter::~ProgressWriter() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressWriter::stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!failure_.empty()) inner_.note("warning: run progress not recorded: " + failure_);
}

int ProgressWriter::writes() const {
  std::lock_guard<std::mutex> g(mu_);
  return writes_;
}

ProgressWriter::Step& ProgressWriter::step(const ServiceSpec& s) {
  auto [it, fresh] = steps_.try_emplace(s.name);
  Step& st = it->second;
  if (fresh) {
    st.spec = &s;
    st.started = Clock::now();
    if (t_.before)
      for (const auto& b : t_.before->services)
        if (b.name == s.name) st.before = st.after = b.current;
  }
  st.dirty = true;
  return st;
}

ProgressWriter::Migration& ProgressWriter::running_migration(Step& st, const std::string& id) {
  // A retry after a lock timeout starts the same migration again: it stays one row.
  if (!st.migrations.empty() && st.migrations.back().outcome == "running" && st.migrations.back().id == id)
    return st.migrations.back();
  Migration m;
  m.seq = static_cast<int>(st.migrations.size()) + 1;
  m.id = id;
  m.started = Clock::now();
  st.migrations.push_back(m);
  return st.migrations.back();
}

void ProgressWriter::changed() {
  dirty_ = true;
  if (!gathering_) cv_.notify_one();  // a wake-up per event would cost a thread switch per migration
}

void ProgressWriter::run_started(const RunHeader& header) { inner_.run_started(header); }

void ProgressWriter::service_started(const ServiceSpec& s) {
  {
    std::lock_guard<std::mutex> g(mu_);
    step(s);
    changed();
  }
  inner_.service_started(s);
}

void ProgressWriter::service_line(const ServiceSpec& s, const std::string& line) { inner_.service_line(s, line); }

void ProgressWriter::migration_started(const ServiceSpec& s, const MigrationStep& m) {
  {
    std::lock_guard<std::mutex> g(mu_);
    Step& st = step(s);
    Migration& mig = running_migration(st, m.id);
    mig.from = m.from;
    mig.file = m.file;
    mig.dirty = true;
    st.current = m.id;
    st.current_since = Clock::now();
    st.waiting_pid = 0;
    st.waiting_on.clear();
    changed();
  }
  inner_.migration_started(s, m);
}

void ProgressWriter::migration_applied(const ServiceSpec& s, const MigrationStep& m) {
  {
    std::lock_guard<std::mutex> g(mu_);
    Step& st = step(s);
    size_t known = st.migrations.size();
    Migration& mig = running_migration(st, m.id);
    if (st.migrations.size() > known) mig.started = Clock::now() - m.duration;  // no started event (a kind without one)
    mig.outcome = "applied";
    mig.duration_ms = m.duration.count();
    if (!m.from.empty()) mig.from = m.from;
    if (!m.file.empty()) mig.file = m.file;
    mig.dirty = true;
    ++st.applied;
    st.current.clear();
    st.waiting_pid = 0;
    st.waiting_on.clear();
    changed();
  }
  inner_.migration_applied(s, m);
}

void ProgressWriter::lock_waiting(const ServiceSpec& s, const LockWait& w) {
  {
    std::lock_guard<std::mutex> g(mu_);
    Step& st = step(s);
    ++st.lock_timeouts;
    st.waiting_pid = w.blocker_pid;
    st.waiting_on = secrets::scrub(w.blocker);
    if (!w.migration.empty()) {
      size_t known = st.migrations.size();
      Migration& mig = running_migration(st, w.migration);
      if (st.migrations.size() > known) mig.started = Clock::now() - w.waited;  // it waited that long already
      ++mig.lock_timeouts;
      mig.dirty = true;
      if (st.current.empty()) {
        st.current = w.migration;
        st.current_since = mig.started;
      }
    }
    changed();
  }
  inner_.lock_waiting(s, w);
}

void ProgressWriter::service_finished(const ServiceSpec& s, const RunResult& r) {
  {
    std::lock_guard<std::mutex> g(mu_);
    Step& st = step(s);
    st.finished = true;
    st.state = r.outcome == Outcome::Skipped ? "skipped (" + r.reason + ")" : to_string(r.outcome);
    st.error = secrets::scrub(r.error);
    st.before = r.before;
    st.after = r.after;
    st.applied = r.applied;
    st.lock_timeouts = r.lock_timeouts;
    st.duration_ms = r.duration.count();
    st.current.clear();
    st.waiting_pid = 0;
    st.waiting_on.clear();
    if (r.outcome == Outcome::Failed || r.outcome == Outcome::Interrupted) {
      bool open = !st.migrations.empty() && st.migrations.back().outcome == "running";
      // A kind without a started event (command) failed on the next pending migration: the one after those
      // it applied in this run.
      if (!open && r.outcome == Outcome::Failed && t_.before) {
        int done = 0;
        for (const auto& m : st.migrations) done += m.outcome == "applied";
        for (const auto& b : t_.before->services)
          if (b.name == s.name && done < static_cast<int>(b.pending.size())) {
            running_migration(st, b.pending[done]);
            open = true;
          }
      }
      if (open) {
        Migration& mig = st.migrations.back();
        mig.outcome = r.outcome == Outcome::Failed ? "failed" : "interrupted";
        mig.error = st.error;
        mig.duration_ms = ms_between(mig.started, Clock::now());
        mig.dirty = true;
      }
    }
    changed();
  }
  inner_.service_finished(s, r);
}

void ProgressWriter::rls_lock_waiting(const LockWait& w) { inner_.rls_lock_waiting(w); }
void ProgressWriter::note(const std::string& text) { inner_.note(text); }
void ProgressWriter::finish() { inner_.finish(); }

void ProgressWriter::loop() {
  for (;;) {
    std::vector<Step> changed_steps;
    bool first = false;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [this] { return dirty_ || stopping_; });
      // Gather what else happens in the next moment into the same round trip: a run's services
      // starting together, or a whole no-op run, become one write instead of one each.
      if (!stopping_) {
        gathering_ = true;
        cv_.wait_for(lk, kGather, [this] { return stopping_; });
        gathering_ = false;
      }
      if (!dirty_ || !failure_.empty()) return;
      dirty_ = false;
      first = first_;
      first_ = false;
      for (auto& [name, st] : steps_) {
        if (!st.dirty) continue;
        std::vector<Migration> all;
        all.swap(st.migrations);  // copy the step without its migrations, then only those that changed
        Step copy = st;
        st.migrations.swap(all);
        for (auto& m : st.migrations)
          if (m.dirty) {
            copy.migrations.push_back(m);
            m.dirty = false;
          }
        st.dirty = false;
        changed_steps.push_back(std::move(copy));
      }
    }
    try {
      write(changed_steps, first, Clock::now());
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> g(mu_);
      failure_ = secrets::scrub(first_error_line(e.what()));
      return;
    }
  }
}

void ProgressWriter::write(const std::vector<Step>& steps, bool first, TimePoint now) {
  std::vector<std::vector<std::string>> s(16), m(11);
  for (const auto& st : steps) {
    const ServiceSpec& spec = *st.spec;
    std::vector<std::string> row = {spec.name, spec.runner, spec.schema, to_pg_array(st.before),
                                    to_pg_array(st.after), std::to_string(st.applied), std::to_string(st.duration_ms),
                                    st.state, st.error, std::to_string(st.lock_timeouts),
                                    std::to_string(ms_between(st.started, now)), st.current,
                                    std::to_string(st.current.empty() ? 0 : ms_between(st.current_since, now)),
                                    std::to_string(st.waiting_pid), st.waiting_on, st.finished ? "true" : "false"};
    for (size_t i = 0; i < row.size(); ++i) s[i].push_back(row[i]);
    for (const auto& mig : st.migrations) {
      std::string checksum = mig.outcome == "applied" ? file_checksum(spec, mig.file) : "";
      std::vector<std::string> mrow = {spec.name, std::to_string(mig.seq), mig.id, mig.from, mig.file, checksum,
                                       std::to_string(ms_between(mig.started, now)), std::to_string(mig.duration_ms),
                                       mig.outcome, std::to_string(mig.lock_timeouts), mig.error};
      for (size_t i = 0; i < mrow.size(); ++i) m[i].push_back(mrow[i]);
    }
  }
  Params p{t_.run_id};
  if (first) {
    std::vector<std::string> names;
    for (const auto* sp : t_.planned) names.push_back(sp->name);
    p.push_back(to_pg_array(names));
  } else {
    p.push_back(std::nullopt);
  }
  for (const auto& col : s) p.push_back(to_pg_array(col));
  for (const auto& col : m) p.push_back(to_pg_array(col));
  std::lock_guard<std::mutex> g(*t_.db_mutex);
  t_.db->query(kWriteSql, p);
  std::lock_guard<std::mutex> w(mu_);
  ++writes_;
}

}  // namespace orch

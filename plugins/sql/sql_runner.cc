#include "sql/sql_runner.h"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <map>

#include "db/database.h"
#include "sql/sql_migrations.h"
#include "util/duration.h"
#include "util/sql_split.h"
#include "util/text.h"

namespace orch {

struct SqlRunner::Job {
  std::mutex mu;
  pqxx::connection* conn = nullptr;  // set while a statement may be running
  std::atomic<bool> cancelled{false};
  std::atomic<bool> timed_out{false};
  void cancel() {
    cancelled = true;
    std::lock_guard<std::mutex> lock(mu);
    if (conn) {
      try {
        conn->cancel_query();
      } catch (...) {
      }
    }
  }
};

std::string ledger_ddl(const std::string& qs, const std::string& qt) {
  return "CREATE TABLE IF NOT EXISTS " + qs + "." + qt +
         " (\n"
         "  version     bigint PRIMARY KEY,\n"
         "  name        text NOT NULL,\n"
         "  checksum    text NOT NULL,\n"
         "  applied_at  timestamptz NOT NULL DEFAULT now(),\n"
         "  duration_ms bigint NOT NULL,\n"
         "  applied_by  text NOT NULL\n"
         ")";
}

namespace {

std::string applied_by(const std::string& run_id) {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  const char* user = getenv("USER");
  if (!user) user = getenv("LOGNAME");
  return std::string(user ? user : "unknown") + "@" + host + " (orchestrate " ORCHESTRATE_VERSION ", run " + run_id + ")";
}

// Runs on the pool. `emit` posts a line to the io_context.
RunResult apply_sql(const RunJob& job, SqlRunner::Job& state, const std::function<void(std::string)>& emit) {
  const ServiceSpec& s = *job.service;
  RunResult r;
  SqlMigrationSet set = read_sql_migrations(s.path);
  if (!set.errors.empty()) {
    r.outcome = Outcome::Failed;
    r.error = s.path_text + "/" + set.errors.front();
    r.details = set.errors;
    return r;
  }
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = connect(job.database_url, "orchestrate/" + s.name);
  } catch (const std::exception& e) {
    r.outcome = Outcome::Failed;
    r.error = "cannot connect: " + first_error_line(e.what());
    return r;
  }
  {
    std::lock_guard<std::mutex> lock(state.mu);
    state.conn = conn.get();
  }
  struct Clear {
    SqlRunner::Job& st;
    ~Clear() {
      std::lock_guard<std::mutex> lock(st.mu);
      st.conn = nullptr;
    }
  } clear{state};

  const std::string qs = conn->quote_name(s.version_schema);
  const std::string qt = conn->quote_name(s.version_table);
  const std::string ledger = qs + "." + qt;
  std::map<long long, std::pair<std::string, std::string>> applied;  // version -> (name, checksum)
  try {
    pqxx::work w(*conn, "ledger");
    w.exec("CREATE SCHEMA IF NOT EXISTS " + conn->quote_name(s.schema));
    if (s.version_schema != s.schema) w.exec("CREATE SCHEMA IF NOT EXISTS " + qs);
    w.exec(ledger_ddl(qs, qt));
    for (const auto& row : w.exec("SELECT version, name, checksum FROM " + ledger + " ORDER BY version"))
      applied[row[0].as<long long>()] = {row[1].c_str(), row[2].c_str()};
    w.commit();
  } catch (const std::exception& e) {
    r.outcome = state.cancelled ? Outcome::Interrupted : Outcome::Failed;
    r.error = "cannot prepare the ledger " + s.version_schema + "." + s.version_table + ": " + first_error_line(e.what());
    return r;
  }
  auto version_label = [&](long long v) {
    for (const auto& m : set.migrations)
      if (m.version == v) return m.version_text;
    return std::to_string(v);
  };
  if (!applied.empty()) r.before = {version_label(applied.rbegin()->first)};
  r.after = r.before;

  // Validate before applying anything: an edited or out-of-order file stops the service untouched.
  long long newest = applied.empty() ? -1 : applied.rbegin()->first;
  for (const auto& m : set.migrations) {
    auto it = applied.find(m.version);
    if (it != applied.end()) {
      if (it->second.second != m.checksum) {
        r.outcome = Outcome::Failed;
        r.error = s.path_text + "/" + m.path.filename().string() + " was changed after it was applied (ledger sha256 " +
                  it->second.second.substr(0, 12) + "…, file now " + m.checksum.substr(0, 12) + "…)";
        r.details = {"never edit an applied migration: restore the file and add a new NNNN_name.sql with the change"};
        return r;
      }
      continue;
    }
    if (m.version < newest) {
      r.outcome = Outcome::Failed;
      r.error = s.path_text + "/" + m.path.filename().string() + " is older than the newest applied version " +
                version_label(newest) + " and was never applied";
      r.details = {"databases would apply files in different orders; renumber it after " + version_label(newest)};
      return r;
    }
  }
  for (const auto& [v, nc] : applied) {
    bool found = false;
    for (const auto& m : set.migrations) found = found || m.version == v;
    if (!found) emit("warning: version " + std::to_string(v) + " (" + nc.first + ") is in the ledger but its file is gone");
  }

  const std::string who = applied_by(job.run_id);
  for (const auto& m : set.migrations) {
    if (applied.count(m.version)) continue;
    if (state.cancelled) {
      r.outcome = state.timed_out ? Outcome::Failed : Outcome::Interrupted;
      if (state.timed_out) r.error = "timed out after " + format_duration(*job.timeout);
      return r;
    }
    const std::string fname = m.path.filename().string();
    emit("applying " + fname + (m.no_transaction ? " (no transaction)" : ""));
    auto t0 = std::chrono::steady_clock::now();
    int line_base = 1;
    try {
      if (m.no_transaction) {
        // CREATE INDEX CONCURRENTLY and friends refuse transactions, even the implicit one of a
        // multi-statement query: one statement at a time.
        for (const auto& st : split_sql(m.contents)) {
          line_base = st.line;
          pqxx::nontransaction n(*conn);
          n.exec("SET search_path TO " + conn->quote_name(s.schema) + ", public");
          n.exec(st.text);
        }
        line_base = 1;
      }
      pqxx::work w(*conn, "migration");
      if (!m.no_transaction) {
        w.exec("SET LOCAL search_path TO " + conn->quote_name(s.schema) + ", public");
        w.exec(m.contents);
      }
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      w.exec_params("INSERT INTO " + ledger +
                        " (version, name, checksum, duration_ms, applied_by) VALUES ($1, $2, $3, $4, $5)",
                    m.version, m.name, m.checksum, static_cast<long long>(ms), who);
      w.commit();
      ++r.applied;
      r.after = {m.version_text};
      emit("applied " + fname + " in " + format_duration(Millis(ms)));
    } catch (const std::exception& e) {
      std::string what = e.what();
      if (state.cancelled) {
        r.outcome = state.timed_out ? Outcome::Failed : Outcome::Interrupted;
        r.error = (state.timed_out ? "timed out after " + format_duration(*job.timeout) + " while applying "
                                   : "interrupted while applying ") +
                  fname + "; its transaction was rolled back";
        return r;
      }
      int rel = error_line(what);
      int line = rel ? line_base + rel - 1 : line_base;
      r.outcome = Outcome::Failed;
      std::string where = s.path_text + "/" + fname;
      if (rel || m.no_transaction) where += ":" + std::to_string(line);
      r.error = where + ": " + first_error_line(what);
      auto lines = split(m.contents, '\n');
      if (rel && line >= 1 && line <= static_cast<int>(lines.size()))
        r.details.push_back(std::to_string(line) + " | " + trim(lines[line - 1]));
      r.details.push_back(m.no_transaction
                              ? "this file runs without a transaction: statements before the failing one stay applied"
                              : "the file's transaction was rolled back; nothing of it was applied or recorded");
      emit("FAILED " + fname + ": " + first_error_line(what));
      return r;
    }
  }
  r.outcome = r.applied > 0 ? Outcome::Applied : Outcome::UpToDate;
  if (r.applied == 0) emit("all " + std::to_string(set.migrations.size()) + " files already applied");
  return r;
}

}  // namespace

void SqlRunner::start(const RunJob& job, LineFn on_line, DoneFn on_done) {
  auto state = std::make_shared<Job>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (interrupted_) {
      RunResult r;
      r.outcome = Outcome::Interrupted;
      on_done(r);
      return;
    }
    running_.insert(state);
  }
  std::shared_ptr<boost::asio::steady_timer> timer;
  if (job.timeout) {
    timer = std::make_shared<boost::asio::steady_timer>(ctx_.io, *job.timeout);
    timer->async_wait([state](const boost::system::error_code& e) {
      if (e) return;
      state->timed_out = true;
      state->cancel();
    });
  }
  boost::asio::io_context& io = ctx_.io;
  boost::asio::post(ctx_.pool, [this, job, state, timer, on_line, on_done, &io] {
    auto emit = [&io, on_line](std::string l) { boost::asio::post(io, [on_line, l] { on_line(l); }); };
    RunResult r = apply_sql(job, *state, emit);
    boost::asio::post(io, [this, state, timer, on_done, r]() mutable {
      if (timer) timer->cancel();
      {
        std::lock_guard<std::mutex> lock(mu_);
        running_.erase(state);
      }
      on_done(std::move(r));
    });
  });
}

void SqlRunner::interrupt() {
  std::lock_guard<std::mutex> lock(mu_);
  interrupted_ = true;
  for (const auto& j : running_) j->cancel();
}

}  // namespace orch

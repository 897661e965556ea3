// `orchestrate down` and `orchestrate baseline`: the two commands that move a service's recorded
// version backwards or by decree. Both list what they will do, ask on a terminal (or need --yes),
// take the run lock and record a run.
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "alembic/revision_reader.h"
#include "cli/commands.h"
#include "cli/confirm.h"
#include "cli/selection.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/session_open.h"
#include "db/database.h"
#include "db/db.h"
#include "graph/service_graph.h"
#include "history/history.h"
#include "inspect/status_inspector.h"
#include "process/child_process.h"
#include "process/failure_summary.h"
#include "report/formats.h"
#include "sql/sql_migrations.h"
#include "sql/sql_runner.h"
#include "status/plain_printer.h"
#include "status/run_logs.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

// Runs a tool to completion, streaming its lines through the printer. Returns a failure text, or "".
std::string run_streaming(const ServiceSpec& s, std::vector<std::string> argv, const std::string& url,
                          const std::string& run_id, StatusPrinter& printer) {
  boost::asio::io_context io;
  ChildSpec spec;
  spec.argv = argv;
  spec.cwd = s.path;
  spec.env = {{"DATABASE_URL", url},        {"ORCHESTRATE_SERVICE", s.name}, {"ORCHESTRATE_SCHEMA", s.schema},
              {"ORCHESTRATE_RUN_ID", run_id}, {"PGAPPNAME", "orchestrate/" + s.name}, {"PYTHONUNBUFFERED", "1"}};
  for (const auto& kv : s.env) spec.env.push_back(kv);
  spec.timeout = s.timeout;
  std::vector<std::string> tail;
  ChildExit result;
  printer.service_line(s, "$ " + join(argv, " "));
  auto child = AsyncChild::launch(
      io, spec,
      [&](const std::string& l) {
        tail.push_back(l);
        printer.service_line(s, l);
      },
      [&](const ChildExit& e) { result = e; });
  io.run();
  if (result.spawn_error.empty() && !result.signaled && result.code == 0 && !result.timed_out) return "";
  return summarize_failure(tail, result, join(argv, " ")).error;
}

struct Step {
  int service = -1;
  std::string to;         // "-1" (one step), "base", or a revision
  std::string from_text;  // for the listing
  std::string to_text;
};

// The sql runner's downgrade: NNNN_name.down.sql files, newest first, each in a transaction with its
// ledger row removed.
std::string sql_down(const ServiceSpec& s, const std::string& to, Db& db, StatusPrinter& printer) {
  SqlMigrationSet set = read_sql_migrations(s.path);
  const std::string ledger = db.quote_name(s.version_schema) + "." + db.quote_name(s.version_table);
  std::vector<long long> applied;
  {
    auto tx = db.begin(TxKind::ReadOnly);
    if (!tx->query("SELECT to_regclass($1) IS NOT NULL", {ledger})[0][0].as_bool()) return "";
    for (const auto& r : tx->query("SELECT version FROM " + ledger + " ORDER BY version DESC")) applied.push_back(r[0].as_int());
    tx->commit();
  }
  std::vector<long long> undo;
  for (long long v : applied) {
    if (to == "-1" && !undo.empty()) break;
    if (to != "-1" && to != "base" && v <= std::stoll(to)) break;
    undo.push_back(v);
  }
  // Every down file must exist before the first one runs.
  std::vector<const SqlMigration*> files;
  for (long long v : undo) {
    const SqlMigration* mig = nullptr;
    for (const auto& m : set.migrations)
      if (m.version == v) mig = &m;
    if (!mig) return "version " + std::to_string(v) + " is in the ledger but its file is gone from " + s.path_text;
    if (mig->down_path.empty())
      return "no down file for " + mig->path.filename().string() + ": write " + s.path_text + "/" + mig->version_text + "_" +
             mig->name + ".down.sql (nothing was downgraded)";
    files.push_back(mig);
  }
  for (const auto* mig : files) {
    std::ifstream in(mig->down_path);
    std::ostringstream ss;
    ss << in.rdbuf();
    printer.service_line(s, "reverting " + mig->path.filename().string() + " with " + mig->down_path.filename().string());
    try {
      auto tx = db.begin();
      tx->exec("SET LOCAL search_path TO " + db.quote_name(s.schema) + ", public");
      tx->exec(ss.str());
      tx->query("DELETE FROM " + ledger + " WHERE version = $1", {std::to_string(mig->version)});
      tx->commit();
    } catch (const std::exception& e) {
      int rel = error_line(e.what());
      return s.path_text + "/" + mig->down_path.filename().string() + (rel ? ":" + std::to_string(rel) : "") + ": " +
             first_error_line(e.what()) + " (rolled back; the ledger still lists " + mig->version_text + ")";
    }
  }
  return "";
}

}  // namespace

int run_down(const GlobalOptions& g, const DownOptions& o) {
  auto loaded = load_for_command(g, true, "down");
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  int target = service_index_or_explain(m, o.service, "");
  if (target < 0) return exit_code::kUsage;
  const ServiceSpec& ts = m.services[target];
  if (ts.runner == RunnerKind::Command) {
    std::cerr << "error: " << ts.name << " uses the command runner; orchestrate cannot downgrade it\n";
    return exit_code::kUsage;
  }
  ServiceGraph graph(m.services);
  auto dependents = graph.transitive_dependents(target);
  std::vector<std::string> dep_names;
  for (int d : dependents) dep_names.push_back(m.services[d].name);
  StatusReport st = inspect_status(m, loaded->database_url, loaded->target_name);

  std::vector<Step> steps;
  if (o.cascade) {
    // Reverse dependency order: the deepest dependents first.
    auto waves = graph.waves();
    for (auto w = waves.rbegin(); w != waves.rend(); ++w)
      for (int i : *w)
        if (std::find(dependents.begin(), dependents.end(), i) != dependents.end() &&
            m.services[i].runner != RunnerKind::Command)
          steps.push_back({i, o.to == "base" ? "base" : "-1", "", ""});
  }
  steps.push_back({target, o.to.empty() ? "-1" : o.to, "", ""});

  std::cout << "services that depend on " << ts.name << ": " << (dep_names.empty() ? "none" : join(dep_names, ", "))
            << "\n";
  if (!dependents.empty() && !o.cascade)
    std::cout << "  they are left as they are; --cascade downgrades them first\n";
  std::cout << "will downgrade:\n";
  for (auto& s : steps) {
    const ServiceStatus& ss = st.services[s.service];
    std::string what = s.to == "-1" ? "one step" : s.to == "base" ? "to base (everything)" : "to " + s.to;
    std::cout << "  " << m.services[s.service].name << ": from " << (ss.current.empty() ? "(none)" : join(ss.current, "+"))
              << " " << what << "\n";
  }
  int rc = exit_code::kOk;
  if (!confirm("downgrade " + std::to_string(steps.size()) + " service" + (steps.size() == 1 ? "" : "s"), o.yes, rc)) return rc;

  const std::string run_id = new_run_id();
  PlainPrinter printer(std::cout, 11, want_color(1));
  auto session = open_session(*loaded, run_id, "down", o.lock_wait, printer);
  if (!session) return session.error().exit_code;
  RunSession& rs = **session;
  RunReport report;
  report.run_id = run_id;
  report.project = m.project_name;
  report.target = loaded->target_name;
  rs.record_start();
  bool failed = false;
  for (const auto& step : steps) {
    const ServiceSpec& s = m.services[step.service];
    RunResult r;
    r.before = st.services[step.service].current;
    std::string error;
    if (s.runner == RunnerKind::Alembic) {
      std::vector<std::string> argv = s.command;
      for (const auto& a : {std::string("-c"), s.config, std::string("downgrade"), step.to}) argv.push_back(a);
      error = run_streaming(s, argv, loaded->database_url, run_id, printer);
    } else {
      try {
        error = sql_down(s, step.to, rs.db(), printer);
      } catch (const std::exception& e) {
        error = first_error_line(e.what());
      }
    }
    r.outcome = error.empty() ? Outcome::Applied : Outcome::Failed;
    r.error = error;
    report.services.push_back({s.name, to_string(s.runner), s.schema, r});
    if (!error.empty()) {
      printer.service_line(s, "FAILED: " + error);
      failed = true;
      break;
    }
    printer.service_line(s, "downgraded");
  }
  // What the database holds now, whatever happened.
  StatusReport after = rs.inspect(m);
  for (auto& sr : report.services)
    for (const auto& ss : after.services)
      if (ss.name == sr.name) sr.result.after = ss.current;
  rs.record_end(report, failed ? "failed" : "succeeded");
  session->reset();
  std::cout << "\n";
  for (const auto& ss : after.services) {
    bool touched = false;
    for (const auto& step : steps) touched = touched || m.services[step.service].name == ss.name;
    if (touched)
      std::cout << ss.name << ": now at " << (ss.current.empty() ? "(none)" : join(ss.current, "+")) << " (" << ss.state
                << (ss.pending.empty() ? "" : ", " + std::to_string(ss.pending.size()) + " pending") << ")\n";
  }
  return failed ? exit_code::kFailed : exit_code::kOk;
}

int run_baseline(const GlobalOptions& g, const BaselineOptions& o) {
  auto loaded = load_for_command(g, true, "baseline");
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  int idx = service_index_or_explain(m, o.service, "");
  if (idx < 0) return exit_code::kUsage;
  const ServiceSpec& s = m.services[idx];
  StatusReport st = inspect_status(m, loaded->database_url, loaded->target_name);
  const ServiceStatus& ss = st.services[idx];
  if (s.runner == RunnerKind::Command) {
    std::cerr << "error: " << s.name << " uses the command runner; orchestrate cannot record its versions\n";
    return exit_code::kUsage;
  }
  if (!ss.current.empty() && !o.force) {
    std::cerr << "error: " << s.name << " is already versioned (at " << join(ss.current, "+")
              << "); baseline is for schemas created outside migrations\n  hint: pass --force to record " << o.to
              << " anyway\n";
    return exit_code::kUsage;
  }
  if (s.runner == RunnerKind::Alembic && o.to != "head" && o.to != "base") {
    auto dirs = versions_dirs_from_ini(s.path / s.config);
    bool known = false;
    if (dirs)
      for (const auto& d : *dirs) known = known || RevisionSet::read_dir(d).find(o.to) != nullptr;
    if (!known) {
      std::cerr << "error: no revision file of " << s.name << " declares revision " << o.to << "\n";
      return exit_code::kUsage;
    }
  }
  std::cout << "will record " << s.name << " as being at " << o.to << " without running any migration\n";
  int rc = exit_code::kOk;
  if (!confirm("baseline " + s.name, o.yes, rc)) return rc;
  const std::string run_id = new_run_id();
  PlainPrinter printer(std::cout, 11, want_color(1));
  auto session = open_session(*loaded, run_id, "baseline", o.lock_wait, printer);
  if (!session) return session.error().exit_code;
  RunSession& rs = **session;
  rs.record_start();
  std::string error;
  if (s.runner == RunnerKind::Alembic) {
    std::vector<std::string> argv = s.command;
    for (const auto& a : {std::string("-c"), s.config, std::string("stamp")}) argv.push_back(a);
    if (o.force) argv.push_back("--purge");
    argv.push_back(o.to);
    error = run_streaming(s, argv, loaded->database_url, run_id, printer);
  } else {
    try {
      SqlMigrationSet set = read_sql_migrations(s.path);
      long long upto = o.to == "head" ? (set.migrations.empty() ? 0 : set.migrations.back().version) : std::stoll(o.to);
      Db& db = rs.db();
      const std::string qs = db.quote_name(s.version_schema), qt = db.quote_name(s.version_table);
      auto tx = db.begin();
      tx->exec("CREATE SCHEMA IF NOT EXISTS " + qs);
      tx->exec(ledger_ddl(qs, qt));
      int n = 0;
      for (const auto& mig : set.migrations) {
        if (mig.version > upto) break;
        n += static_cast<int>(
            tx->query(ledger_insert_sql(qs, qt) + " ON CONFLICT (version) DO NOTHING RETURNING version",
                      {std::to_string(mig.version), mig.name, mig.checksum, "0",
                       "baseline (orchestrate " ORCHESTRATE_VERSION ", run " + run_id + ")"})
                .size());
      }
      tx->commit();
      printer.service_line(s, "recorded " + std::to_string(n) + " file(s) up to " + o.to + " as applied");
    } catch (const std::exception& e) {
      error = first_error_line(e.what());
    }
  }
  // The history records a baseline like any other run: who decreed which version, and when.
  StatusReport after = rs.inspect(m);
  const ServiceStatus& a = after.services[idx];
  RunReport report;
  report.run_id = run_id;
  report.project = m.project_name;
  report.target = loaded->target_name;
  RunResult step;
  step.outcome = error.empty() ? Outcome::Applied : Outcome::Failed;
  step.before = ss.current;
  step.after = a.current;
  step.error = error;
  report.services.push_back({s.name, to_string(s.runner), s.schema, step});
  rs.record_end(report, error.empty() ? "succeeded" : "failed");
  session->reset();
  if (!error.empty()) {
    std::cerr << "error: baseline of " << s.name << " failed: " << error << "\n";
    return exit_code::kFailed;
  }
  std::cout << s.name << ": now at " << (a.current.empty() ? "(none)" : join(a.current, "+")) << " (" << a.state
            << (a.pending.empty() ? "" : ", " + std::to_string(a.pending.size()) + " pending") << ")\n";
  return exit_code::kOk;
}

}  // namespace orch

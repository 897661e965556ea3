// `orchestrate plan`: what `up` would do, without doing it; `--sql` prints the SQL itself.
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/manifest_loading.h"
#include "cli/runner_probe.h"
#include "db/database.h"
#include "graph/service_graph.h"
#include "inspect/status_inspector.h"
#include "rls/policy_render.h"
#include "rls/rls_phase.h"
#include "sql/sql_migrations.h"
#include "sql/sql_runner.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

std::string sql_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The sql runner's pending files as one script that does what `up` would: the same transactions,
// search_path and ledger rows.
std::string sql_service_script(const ServiceSpec& s, const ServiceStatus& st) {
  std::ostringstream o;
  SqlMigrationSet set = read_sql_migrations(s.path);
  const std::string qs = quote_identifier(s.version_schema), qt = quote_identifier(s.version_table);
  o << "CREATE SCHEMA IF NOT EXISTS " << quote_identifier(s.schema) << ";\n";
  if (s.version_schema != s.schema) o << "CREATE SCHEMA IF NOT EXISTS " << qs << ";\n";
  o << ledger_ddl(qs, qt) << ";\n";
  for (const auto& mig : set.migrations) {
    if (std::find(st.pending.begin(), st.pending.end(), mig.version_text) == st.pending.end()) continue;
    o << "\n-- " << s.path_text << "/" << mig.path.filename().string() << "\n";
    if (!mig.no_transaction) o << "BEGIN;\nSET LOCAL search_path TO " << quote_identifier(s.schema) << ", public;\n";
    else o << "SET search_path TO " << quote_identifier(s.schema) << ", public;\n";
    o << mig.contents;
    if (!mig.contents.empty() && mig.contents.back() != '\n') o << "\n";
    o << ";\n"
      << inline_parameters(ledger_insert_sql(qs, qt), {std::to_string(mig.version), sql_literal(mig.name),
                                                       sql_literal(mig.checksum), "0", "'orchestrate plan --sql'"})
      << ";\n";
    o << (mig.no_transaction ? "RESET search_path;\n" : "COMMIT;\n");
  }
  return o.str();
}

}  // namespace

int run_plan(const GlobalOptions& g, const PlanOptionsCli& o) {
  auto loaded = load_for_command(g, true, "plan");
  if (!loaded) return exit_code::kUsage;
  const Manifest& m = loaded->manifest;
  StatusReport st = inspect_status(m, loaded->database_url, loaded->target_name);
  for (const auto& s : st.services)
    if (s.state == service_state::kUnreachable) {
      std::cerr << "error: " << s.detail << " (" << st.database << ")\n";
      return exit_code::kFailed;
    }
  ServiceGraph graph(m.services);
  auto waves = graph.waves();
  int jobs = o.jobs > 0 ? o.jobs : m.max_parallel.value_or(4);

  if (o.sql) {
    std::cout << "-- orchestrate plan --sql: project " << m.project_name << ", generated " << st.generated_at << "\n"
              << "-- apply with: psql -v ON_ERROR_STOP=1 -f FILE \"$DATABASE_URL\"\n";
    for (const auto& wave : waves) {
      for (int i : wave) {
        const ServiceSpec& s = m.services[i];
        const ServiceStatus& ss = st.services[i];
        std::cout << "\n-- ===== service " << s.name << " (" << to_string(s.runner) << ", schema " << s.schema << "): "
                  << ss.pending.size() << " pending =====\n";
        if (ss.state == service_state::kAhead || ss.state == service_state::kError ||
            ss.state == service_state::kTablesWithoutVersion) {
          std::cout << "-- skipped: " << ss.state << ": " << ss.detail << "\n";
          continue;
        }
        if (ss.pending.empty() && s.runner != RunnerKind::Command) continue;
        if (s.runner == RunnerKind::Sql) {
          std::cout << sql_service_script(s, ss);
        } else if (s.runner == RunnerKind::Alembic) {
          std::vector<std::string> argv = s.command;
          std::string range = ss.current.empty() ? "head" : ss.current.front() + ":head";
          for (const auto& a : {std::string("-c"), s.config, std::string("upgrade"), range, std::string("--sql")})
            argv.push_back(a);
          std::vector<std::string> out, err;
          std::string spawn_error;
          std::vector<std::pair<std::string, std::string>> env = {
              {"DATABASE_URL", loaded->database_url}, {"ORCHESTRATE_SERVICE", s.name}, {"ORCHESTRATE_SCHEMA", s.schema}};
          for (const auto& kv : s.env) env.push_back(kv);
          int code = run_tool_split(argv, s.path, env, Millis(120000), out, &err, spawn_error);
          if (code != 0) {
            std::cerr << "error: `" << join(argv, " ") << "` failed for " << s.name << ": "
                      << (spawn_error.empty() ? (err.empty() ? "exit " + std::to_string(code) : err.back()) : spawn_error)
                      << "\n  hint: the migration must also work in Alembic's offline (--sql) mode: no queries through "
                         "op.get_bind(), typed columns in bulk_insert\n";
            return exit_code::kFailed;
          }
          for (const auto& l : out) std::cout << secrets::scrub(l) << "\n";
        } else {
          std::cout << "-- command runner: orchestrate cannot show the SQL of `" << join(s.command, " ") << "`\n";
        }
      }
    }
    auto files = rls_files(m);
    if (!files.empty() || !m.rls.policies.empty()) {
      std::cout << "\n-- ===== RLS phase: one transaction =====\nBEGIN;\n";
      for (const auto& [path, text] : files) {
        std::ifstream in(path);
        std::ostringstream ss;
        ss << in.rdbuf();
        std::cout << "-- " << text << "\n" << ss.str() << "\n";
      }
      std::cout << render_policies_do_block(m) << "COMMIT;\n";
    }
    return exit_code::kOk;
  }

  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["schema_version"] = 1;
    j["project"] = m.project_name;
    j["target"] = loaded->target_name;
    j["max_parallel"] = jobs;
    nlohmann::ordered_json jw = nlohmann::ordered_json::array();
    for (size_t w = 0; w < waves.size(); ++w) {
      nlohmann::ordered_json services = nlohmann::ordered_json::array();
      for (int i : waves[w]) {
        const ServiceStatus& ss = st.services[i];
        nlohmann::ordered_json pend = nlohmann::ordered_json::array();
        for (size_t k = 0; k < ss.pending.size(); ++k)
          pend.push_back({{"revision", ss.pending[k]}, {"message", k < ss.pending_messages.size() ? ss.pending_messages[k] : ""}});
        services.push_back({{"name", ss.name}, {"runner", ss.runner}, {"schema", ss.schema}, {"state", ss.state},
                            {"exclusive", m.services[i].exclusive}, {"depends_on", m.services[i].depends_on},
                            {"pending", pend}});
      }
      jw.push_back({{"wave", w + 1}, {"services", services}});
    }
    j["waves"] = jw;
    nlohmann::ordered_json rls;
    nlohmann::ordered_json rf = nlohmann::ordered_json::array();
    for (const auto& [path, text] : rls_files(m)) rf.push_back(text);
    rls["files"] = rf;
    nlohmann::ordered_json pol = nlohmann::ordered_json::array();
    for (const auto& p : m.rls.policies)
      pol.push_back({{"name", p.name}, {"schemas", p.schemas}, {"when_column", p.when_column}, {"command", p.command},
                     {"roles", p.roles}});
    rls["policies"] = pol;
    rls["require"] = m.rls.require;
    j["rls"] = rls;
    std::cout << j.dump(2) << "\n";
    return exit_code::kOk;
  }

  std::cout << "plan for " << m.project_name << " on " << loaded->target_name << " (" << st.database << "), up to " << jobs
            << " services at once\n";
  int total = 0;
  for (size_t w = 0; w < waves.size(); ++w) {
    std::vector<std::string> names;
    for (int i : waves[w]) names.push_back(m.services[i].name);
    std::cout << "\nwave " << (w + 1) << ": " << join(names, ", ")
              << (waves[w].size() > 1 ? " (together, as dependencies allow)" : "") << "\n";
    for (int i : waves[w]) {
      const ServiceSpec& s = m.services[i];
      const ServiceStatus& ss = st.services[i];
      std::cout << "  " << s.name << " (" << to_string(s.runner) << ", schema " << s.schema;
      if (!s.depends_on.empty()) std::cout << ", after " << join(s.depends_on, ", ");
      if (s.exclusive) std::cout << ", runs alone";
      std::cout << "): ";
      if (ss.state == service_state::kUntracked) std::cout << "runs `" << join(s.command, " ") << "`\n";
      else if (ss.pending.empty() && ss.state == service_state::kUpToDate) std::cout << "up to date\n";
      else if (ss.state != service_state::kPending && ss.state != service_state::kNotInitialised)
        std::cout << ss.state << ": " << ss.detail << "\n";
      else {
        std::cout << ss.pending.size() << " pending\n";
        total += static_cast<int>(ss.pending.size());
        for (size_t k = 0; k < ss.pending.size(); ++k)
          std::cout << "      " << ss.pending[k]
                    << (k < ss.pending_messages.size() && !ss.pending_messages[k].empty() ? "  " + ss.pending_messages[k] : "")
                    << "\n";
      }
    }
  }
  auto files = rls_files(m);
  if (!files.empty() || !m.rls.policies.empty()) {
    std::cout << "\nRLS phase (one transaction, after every service succeeded):\n";
    for (const auto& [path, text] : files) std::cout << "  file " << text << "\n";
    for (const auto& p : m.rls.policies)
      std::cout << "  policy " << p.name << ": " << p.command << " to " << join(p.roles, ", ") << " on every table in "
                << join(p.schemas, ", ") << (p.when_column.empty() ? "" : " with column " + p.when_column) << "\n";
    if (!m.rls.require.empty())
      std::cout << "  then verify every table in " << join(m.rls.require, ", ") << " is protected\n";
  }
  std::cout << "\n" << total << " migration" << (total == 1 ? "" : "s") << " pending; `orchestrate plan --sql` shows the SQL\n";
  return exit_code::kOk;
}

}  // namespace orch

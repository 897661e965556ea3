// orchestrate: migrates the databases of many services as one operation.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  using namespace orch;
  CLI::App app{"orchestrate: migrate every service's database schema as one operation, in dependency order"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may come after the command too
  GlobalOptions g;
  app.add_option("-f,--file", g.file, "manifest to read")->capture_default_str();
  app.add_option("--target", g.targets, "target database(s) from the manifest; default: [project] database");
  app.add_flag("--no-dashboard", g.no_dashboard, "plain timestamped lines even on a terminal");

  UpOptions up;
  CLI::App* up_cmd = app.add_subcommand("up", "apply every pending migration, dependencies first");
  up_cmd->add_option("-j,--jobs", up.jobs, "services migrated at once (default: max_parallel, else 4)")
      ->check(CLI::Range(1, 256));
  up_cmd->add_option("--only", up.only, "these services and their dependencies (comma-separated)")->delimiter(',');
  up_cmd->add_flag("--fail-fast", up.fail_fast, "start nothing new after the first failure");
  up_cmd->add_option("--lock-wait", up.lock_wait, "how long to wait for another run's lock")->capture_default_str();
  up_cmd->add_option("--report", up.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");
  up_cmd->add_flag("-y,--yes", up.yes, "change protected targets without asking (required for them without a terminal)");

  StatusOptions st;
  CLI::App* status_cmd = app.add_subcommand("status", "where every service stands; never changes anything, never waits for the lock");
  status_cmd->add_option("--format", st.format, "table (default), json or markdown")
      ->check(CLI::IsMember({"table", "json", "markdown"}));
  status_cmd->add_flag("--check", st.check, "exit 3 when anything is pending, ahead, failing or unprotected; 0 when all is up to date");
  status_cmd->add_flag("--watch", st.watch, "redraw until Ctrl-C (the operator's view during a rollout)");
  status_cmd->add_option("--interval", st.interval, "with --watch: how often")->capture_default_str();
  status_cmd->add_option("--report", st.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");

  RlsOptions rl;
  CLI::App* rls_cmd = app.add_subcommand("rls", "apply the Row-Level-Security phase alone, then verify coverage");
  rls_cmd->add_flag("--verify", rl.verify_only, "only verify coverage; change nothing");
  rls_cmd->add_option("--lock-wait", rl.lock_wait, "how long to wait for another run's lock")->capture_default_str();
  rls_cmd->add_option("--report", rl.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");

  CheckOptions ck;
  CLI::App* check_cmd = app.add_subcommand("check", "find what would break, before touching a database; changes nothing");
  check_cmd->add_flag("--strict", ck.strict, "warnings count as findings too");
  check_cmd->add_flag("--offline", ck.offline, "check files and runners only; do not connect");
  check_cmd->add_flag("!--no-lint", ck.lint, "skip the migration linter (docs/lint.md)");
  check_cmd->add_option("--format", ck.format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));

  PlanOptionsCli pl;
  CLI::App* plan_cmd = app.add_subcommand("plan", "what `up` would do, in which order, without doing it");
  plan_cmd->add_flag("--sql", pl.sql, "print the SQL that would run (Alembic offline mode, sql files, RLS), for review");
  plan_cmd->add_option("--format", pl.format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  plan_cmd->add_option("-j,--jobs", pl.jobs, "as for up")->check(CLI::Range(1, 256));

  DownOptions dn;
  CLI::App* down_cmd = app.add_subcommand("down", "downgrade one service (default: one step), after listing its dependents");
  down_cmd->add_option("service", dn.service, "the service")->required();
  down_cmd->add_option("--to", dn.to, "a revision (alembic) or version (sql), or base");
  down_cmd->add_flag("--cascade", dn.cascade, "downgrade every dependent first, in reverse dependency order");
  down_cmd->add_flag("-y,--yes", dn.yes, "do not ask for confirmation (required without a terminal)");
  down_cmd->add_option("--lock-wait", dn.lock_wait, "how long to wait for another run's lock")->capture_default_str();

  BaselineOptions bl;
  CLI::App* baseline_cmd = app.add_subcommand("baseline", "record a revision as applied without running anything (alembic stamp)");
  baseline_cmd->add_option("service", bl.service, "the service")->required();
  baseline_cmd->add_option("--to", bl.to, "the revision (alembic), version (sql), or head")->required();
  baseline_cmd->add_flag("--force", bl.force, "even when the service is already versioned");
  baseline_cmd->add_flag("-y,--yes", bl.yes, "do not ask for confirmation (required without a terminal)");
  baseline_cmd->add_option("--lock-wait", bl.lock_wait, "how long to wait for another run's lock")->capture_default_str();

  RolloutOptions ro;
  CLI::App* rollout_cmd = app.add_subcommand("rollout", "up on every target, wave by wave ([[rollout.wave]]), halting on failure");
  rollout_cmd->add_option("--resume", ro.resume, "continue a halted or interrupted rollout by its run id");
  rollout_cmd->add_flag("--pause", ro.pause, "ask before each wave after the first, showing the previous wave's results");
  rollout_cmd->add_flag("-y,--yes", ro.yes, "change protected targets without asking");
  rollout_cmd->add_option("-j,--jobs", ro.jobs, "services migrated at once on each target")->check(CLI::Range(1, 256));
  rollout_cmd->add_option("--lock-wait", ro.lock_wait, "how long each target waits for its run lock")->capture_default_str();

  HistoryOptions hi;
  CLI::App* history_cmd = app.add_subcommand("history", "the runs recorded in the database, newest first");
  history_cmd->add_option("--limit", hi.limit, "how many runs")->capture_default_str()->check(CLI::Range(1, 100000));
  history_cmd->add_option("--format", hi.format, "table or json")->check(CLI::IsMember({"table", "json"}));

  CLI::App* version_cmd = app.add_subcommand("version", "print the version");
  app.footer(
      "Exit codes: 0 ok, 1 failed, 2 usage or manifest error, 3 findings, 4 lock busy, 130 interrupted.\n"
      "Environment (docs/environment.md):\n"
      "  DATABASE_URL and the like        whatever the manifest's env:NAME references name\n"
      "  NO_COLOR                         no colour and no live view\n"
      "  CLICOLOR_FORCE=1                 colour even into a pipe\n"
      "  TERM=dumb                        no colour, no live view (TERM unset: no live view)\n"
      "  COLUMNS                          the width when the terminal does not say\n"
      "  ORCHESTRATE_ALEMBIC_WARM=0       run Alembic as a process per service, not on warm workers\n"
      "  USER, LOGNAME                    who ran it, in the history (else the uid's name)\n"
      "Run `orchestrate COMMAND --help` for a command's options.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_code::kOk : exit_code::kUsage;
  }
  if (*version_cmd) {
    std::cout << "orchestrate " ORCHESTRATE_VERSION "\n";
    return exit_code::kOk;
  }
  if (*up_cmd) return run_up(g, up);
  if (*status_cmd) return run_status(g, st);
  if (*rls_cmd) return run_rls(g, rl);
  if (*history_cmd) return run_history(g, hi);
  if (*check_cmd) return run_check(g, ck);
  if (*plan_cmd) return run_plan(g, pl);
  if (*down_cmd) return run_down(g, dn);
  if (*rollout_cmd) return run_rollout(g, ro);
  if (*baseline_cmd) return run_baseline(g, bl);
  return exit_code::kUsage;
}

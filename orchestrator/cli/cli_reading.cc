// The commands that read: status, rls (which applies policies alone), history, check, plan.
#include "cli/cli_app.h"

namespace orch {

void define_reading_commands(CLI::App& app, Cli& c) {
  c.status = app.add_subcommand("status", "where every service stands; never changes anything, never waits for the lock");
  c.status->add_option("--format", c.status_opts.format, "table (default), json or markdown")
      ->check(CLI::IsMember({"table", "json", "markdown"}));
  c.status->add_flag("--check", c.status_opts.check, "exit 3 when anything is pending, ahead, failing or unprotected; 0 when all is up to date");
  c.status->add_option("-j,--jobs", c.status_opts.jobs, "targets read at once, one connection each")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  c.status->add_flag("--watch", c.status_opts.watch, "redraw until Ctrl-C (the operator's view during a rollout)");
  c.status->add_option("--interval", c.status_opts.interval, "with --watch: how often")->capture_default_str();
  c.status->add_option("--report", c.status_opts.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");

  c.rls = app.add_subcommand("rls", "apply the Row-Level-Security phase alone, then verify coverage");
  c.rls->add_flag("--verify", c.rls_opts.verify_only, "only verify coverage; change nothing");
  c.rls->add_option("--lock-wait", c.rls_opts.lock_wait, "how long to wait for another run's lock")->capture_default_str();
  c.rls->add_option("--report", c.rls_opts.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");

  c.history = app.add_subcommand("history", "the runs recorded in the database, newest first");
  c.history->add_option("--limit", c.history_opts.limit, "how many runs")->capture_default_str()->check(CLI::Range(1, 100000));
  c.history->add_option("--format", c.history_opts.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  c.history->add_option("run", c.history_opts.run_id, "one run: its services, then its migrations");
  c.history->add_option("--service", c.history_opts.service, "one service's migrations across runs");
  c.history->add_flag("--failed", c.history_opts.failed, "only runs (or migrations) that failed");
  c.history->add_option("--since", c.history_opts.since, "only since then: a duration (2h, 7d) or a date (2026-11-30)");

  c.check = app.add_subcommand("check", "find what would break, before touching a database; changes nothing");
  c.check->add_flag("--strict", c.check_opts.strict, "warnings count as findings too");
  c.check->add_flag("--offline", c.check_opts.offline, "check files and runners only; do not connect");
  c.check->add_flag("!--no-lint", c.check_opts.lint, "skip the migration linter (docs/lint.md)");
  c.check->add_option("--format", c.check_opts.format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));

  c.plan = app.add_subcommand("plan", "what `up` would do, in which order, without doing it");
  c.plan->add_flag("--sql", c.plan_opts.sql, "print the SQL that would run (Alembic offline mode, sql files, RLS), for review");
  c.plan->add_option("--format", c.plan_opts.format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
  c.plan->add_option("-j,--jobs", c.plan_opts.jobs, "as for up")->check(CLI::Range(1, 256));
}

}  // namespace orch

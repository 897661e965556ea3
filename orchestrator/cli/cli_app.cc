#include "cli/cli_app.h"

#include "util/exit_codes.h"

namespace orch {

void define_cli(CLI::App& app, Cli& c) {
  app.require_subcommand(1);
  app.fallthrough();  // global options may come after the command too
  // --version prints what `orchestrate version` prints and exits 0, without needing a command.
  app.set_version_flag("--version", std::string("orchestrate ") + ORCHESTRATE_VERSION, "print the version and exit");
  app.add_option("-f,--file", c.g.file, "manifest to read")->capture_default_str();
  app.add_option("--target", c.g.targets, "target database(s) from the manifest; default: [project] database");
  app.add_flag("--no-dashboard", c.g.no_dashboard, "plain timestamped lines even on a terminal");
  app.add_option("--events", c.g.events,
                 "up, rollout, down, rls: also write JSON-lines events to PATH (- for stdout; people's output then goes to stderr)");
  CommandEnv env{c.g, app};
  for (const CommandDef& d : command_table()) {
    CLI::App* sub = app.add_subcommand(d.name, d.description);
    c.commands.emplace_back(sub, d.define(*sub, env));
  }
  app.footer(
      "Exit codes: 0 ok, 1 failed, 2 usage or manifest error, 3 findings, 4 lock busy, 5 wait timed out, 130 interrupted.\n"
      "Environment (docs/environment.md):\n"
      "  DATABASE_URL and the like        whatever the manifest's env:NAME references name\n"
      "  NO_COLOR                         no colour and no live view\n"
      "  CLICOLOR_FORCE=1                 colour even into a pipe\n"
      "  TERM=dumb                        no colour, no live view (TERM unset: no live view)\n"
      "  COLUMNS                          the width when the terminal does not say\n"
      "  ORCHESTRATE_ALEMBIC_WARM=0       run each Alembic job as its own interpreter, not forked from a zygote\n"
      "  USER, LOGNAME                    who ran it, in the history (else the uid's name)\n"
      "  JOB_COMPLETION_INDEX             a Kubernetes Indexed Job's index: names the worker (worker-N@host)\n"
      "  ORCHESTRATE_PG_BIN               rehearse: where pg_dump and pg_restore are (/usr/lib/postgresql/15/bin)\n"
      "  ORCHESTRATE_REHEARSAL_STALE_AFTER  rehearse: a leftover shadow database's age before it is dropped (2m)\n"
      "  PGOPTIONS                        passed on to Alembic and command services after orchestrate's own\n"
      "                                   -c lock_timeout=... -c statement_timeout=..., so yours win\n"
      "  ORCHESTRATE_ROLLOUT_RECONNECT, ORCHESTRATE_ROLLOUT_TAKEOVER_AFTER, ORCHESTRATE_ROLLOUT_STALL_REPORT\n"
      "                                   a shared rollout's bounds (30s, 10s, 30s; docs/rollout.md)\n"
      "  PGPASSWORD, PGPASSFILE, PGSERVICEFILE and libpq's other PG* variables\n"
      "                                   libpq reads them; the passwords they give are masked in every output\n"
      "Run `orchestrate COMMAND --help` for a command's options.");
}

int run_selected(Cli& c) {
  for (auto& [sub, run] : c.commands)
    if (*sub) return run();
  return exit_code::kUsage;
}

}  // namespace orch

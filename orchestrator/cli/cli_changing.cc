// The commands that change databases: up, down, baseline, rollout.
#include "cli/cli_app.h"

namespace orch {

void define_changing_commands(CLI::App& app, Cli& c) {
  c.up = app.add_subcommand("up", "apply every pending migration, dependencies first");
  c.up->add_option("-j,--jobs", c.up_opts.jobs, "services migrated at once (default: max_parallel, else 4)")
      ->check(CLI::Range(1, 256));
  c.up->add_option("--only", c.up_opts.only, "these services and their dependencies (comma-separated)")->delimiter(',');
  c.up->add_flag("--fail-fast", c.up_opts.fail_fast, "start nothing new after the first failure");
  c.up->add_option("--lock-wait", c.up_opts.lock_wait, "how long to wait for another run's lock")->capture_default_str();
  c.up->add_option("--report", c.up_opts.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");
  c.up->add_flag("-y,--yes", c.up_opts.yes, "change protected targets without asking (required for them without a terminal)");
  c.up->add_flag("--rehearse", c.up_opts.rehearse, "rehearse on a shadow copy of every target first; start only if every rehearsal passes");

  c.rehearse = app.add_subcommand("rehearse", "run up on a shadow copy of each target's schema: what would fail, which locks each migration takes");
  c.rehearse->add_option("-j,--jobs", c.rehearse_opts.up.jobs, "services migrated at once (default: max_parallel, else 4)")
      ->check(CLI::Range(1, 256));
  c.rehearse->add_option("--only", c.rehearse_opts.up.only, "these services and their dependencies (comma-separated)")->delimiter(',');
  c.rehearse->add_option("--shadow-url", c.rehearse_opts.shadow_url,
                         "create the shadow database on this server instead of the target's (overrides [rehearsal] server)");
  c.rehearse->add_flag("--keep", c.rehearse_opts.keep, "keep the shadow database afterwards and print its URL");
  c.rehearse->add_flag("--roundtrip", c.rehearse_opts.roundtrip,
                       "then downgrade the new revisions (reverse dependency order) and upgrade again; the schema must come back");
  c.rehearse->add_option("--report", c.rehearse_opts.up.reports, "also write a report: json:PATH, markdown:PATH or junit:PATH (repeatable)");

  c.down = app.add_subcommand("down", "downgrade one service (default: one step), after listing its dependents");
  c.down->add_option("service", c.down_opts.service, "the service")->required();
  c.down->add_option("--to", c.down_opts.to, "a revision (alembic) or version (sql), or base");
  c.down->add_flag("--cascade", c.down_opts.cascade, "downgrade every dependent first, in reverse dependency order");
  c.down->add_flag("-y,--yes", c.down_opts.yes, "do not ask for confirmation (required without a terminal)");
  c.down->add_option("--lock-wait", c.down_opts.lock_wait, "how long to wait for another run's lock")->capture_default_str();

  c.baseline = app.add_subcommand("baseline", "record a revision as applied without running anything (alembic stamp)");
  c.baseline->add_option("service", c.baseline_opts.service, "the service")->required();
  c.baseline->add_option("--to", c.baseline_opts.to, "the revision (alembic), version (sql), or head")->required();
  c.baseline->add_flag("--force", c.baseline_opts.force, "even when the service is already versioned");
  c.baseline->add_flag("-y,--yes", c.baseline_opts.yes, "do not ask for confirmation (required without a terminal)");
  c.baseline->add_option("--lock-wait", c.baseline_opts.lock_wait, "how long to wait for another run's lock")->capture_default_str();

  c.rollout = app.add_subcommand("rollout", "up on every target, wave by wave ([[rollout.wave]]), halting on failure");
  c.rollout->add_option("--resume", c.rollout_opts.resume, "continue a halted or interrupted rollout by its run id");
  c.rollout->add_option("--run-id", c.rollout_opts.run_id,
                        "create or join this rollout ([rollout] state: every worker runs the same command)");
  c.rollout->add_option("--watch", c.rollout_opts.watch, "follow a shared rollout from its state database until it ends");
  c.rollout->add_option("--format", c.rollout_opts.format, "with --watch: text (default) or json (the state, once)")
      ->check(CLI::IsMember({"text", "json"}));
  c.rollout->add_flag("--pause", c.rollout_opts.pause, "ask before each wave after the first, showing the previous wave's results");
  c.rollout->add_flag("-y,--yes", c.rollout_opts.yes, "change protected targets without asking");
  c.rollout->add_option("-j,--jobs", c.rollout_opts.jobs, "services migrated at once on each target")->check(CLI::Range(1, 256));
  c.rollout->add_option("--lock-wait", c.rollout_opts.lock_wait, "how long each target waits for its run lock")->capture_default_str();
}

}  // namespace orch

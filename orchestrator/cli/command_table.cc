// Every command of the command line, one row each (ninja's kTools[]): a new command is a row here and
// its cli/cmd_*.cc. main() dispatches through this table; `completion` and the manual page read the
// CLI11 definitions it produces, so they list a new command without more code.
#include "cli/commands.h"

namespace orch {

CommandRun define_up(CLI::App&, CommandEnv&);
CommandRun define_rehearse(CLI::App&, CommandEnv&);
CommandRun define_down(CLI::App&, CommandEnv&);
CommandRun define_baseline(CLI::App&, CommandEnv&);
CommandRun define_rollout(CLI::App&, CommandEnv&);
CommandRun define_status(CLI::App&, CommandEnv&);
CommandRun define_wait(CLI::App&, CommandEnv&);
CommandRun define_rls(CLI::App&, CommandEnv&);
CommandRun define_history(CLI::App&, CommandEnv&);
CommandRun define_check(CLI::App&, CommandEnv&);
CommandRun define_plan(CLI::App&, CommandEnv&);
CommandRun define_version(CLI::App&, CommandEnv&);
CommandRun define_init(CLI::App&, CommandEnv&);
CommandRun define_completion(CLI::App&, CommandEnv&);

const std::vector<CommandDef>& command_table() {
  static const std::vector<CommandDef> table = {
      {"up", "apply every pending migration, dependencies first", define_up},
      {"rehearse", "run up on a shadow copy of each target's schema: what would fail, which locks each migration takes",
       define_rehearse},
      {"down", "downgrade one service (default: one step), after listing its dependents", define_down},
      {"baseline", "record a revision as applied without running anything (alembic stamp)", define_baseline},
      {"rollout", "up on every target, wave by wave ([[rollout.wave]]), halting on failure", define_rollout},
      {"status", "where every service stands; never changes anything, never waits for the lock", define_status},
      {"wait", "block until every service is at head (--until rls: and protected); read-only, never takes the lock",
       define_wait},
      {"rls", "apply the Row-Level-Security phase alone, then verify coverage", define_rls},
      {"history", "the runs recorded in the database, newest first", define_history},
      {"check", "find what would break, before touching a database; changes nothing", define_check},
      {"plan", "what `up` would do, in which order, without doing it", define_plan},
      {"version", "print the version", define_version},
      {"init", "write a commented services.toml for the migrations found in DIR, then check it", define_init},
      {"completion", "print a shell completion script: completion bash|zsh|fish", define_completion},
  };
  return table;
}

}  // namespace orch

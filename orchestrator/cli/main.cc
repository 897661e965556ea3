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

  CLI::App* version_cmd = app.add_subcommand("version", "print the version");
  app.footer("Exit codes: 0 ok, 1 failed, 2 usage or manifest error, 3 findings, 4 lock busy, 130 interrupted.\n"
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
  return exit_code::kUsage;
}

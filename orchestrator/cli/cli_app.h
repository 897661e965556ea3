#pragma once
// The command line, defined once: the global options here, each command from its row of
// command_table() (cli/commands.h). main() parses with it; the completions and the manual page
// (issue 11) are generated from the same definitions.
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace orch {

struct Cli {
  GlobalOptions g;
  std::vector<std::pair<CLI::App*, CommandRun>> commands;  // command_table()'s order
};

// Every subcommand and option, into `app`, bound to `c`.
void define_cli(CLI::App& app, Cli& c);
// Runs the command the parse selected; kUsage when none was.
int run_selected(Cli& c);

}  // namespace orch

#pragma once
// A command is one row of the table in cli/command_table.cc (ninja's kTools[]) plus its own
// cli/cmd_*.cc, which holds its options and adds them to its CLI11 subcommand. Each command is a
// function from parsed options to an exit code (docs/exit-codes.md).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "status/event_stream.h"

namespace orch {

struct GlobalOptions {
  std::string file = "services.toml";
  std::vector<std::string> targets;
  bool no_dashboard = false;
  std::string events;                    // --events PATH or -: the JSON-lines stream (docs/events.md)
  std::shared_ptr<EventStream> stream;   // opened by main() before anything prints
};

// What a command's definition may bind to besides its own options.
struct CommandEnv {
  GlobalOptions& g;     // filled by the parse, before the command runs
  const CLI::App& app;  // the whole command line (`completion` describes it)
};

// Runs the command with the options its definition bound; returns the exit code.
using CommandRun = std::function<int()>;

struct CommandDef {
  const char* name;
  const char* description;
  // Adds the command's options and positionals to `sub` and returns what runs it, bound to them.
  CommandRun (*define)(CLI::App& sub, CommandEnv& env);
};

// Every command, in the order --help, the completions and the manual page list them.
const std::vector<CommandDef>& command_table();

}  // namespace orch

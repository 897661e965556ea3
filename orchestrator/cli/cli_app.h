#pragma once
// The command line, defined once: options and subcommands for CLI11. main() parses with it; the
// completions and the manual page (issue 11) can be generated from the same definitions.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace orch {

struct Cli {
  GlobalOptions g;
  UpOptions up_opts;
  RehearseOptions rehearse_opts;
  StatusOptions status_opts;
  RlsOptions rls_opts;
  HistoryOptions history_opts;
  CheckOptions check_opts;
  PlanOptionsCli plan_opts;
  DownOptions down_opts;
  BaselineOptions baseline_opts;
  RolloutOptions rollout_opts;
  CompletionOptions completion_opts;
  InitOptions init_opts;
  CLI::App *up = nullptr, *status = nullptr, *rls = nullptr, *history = nullptr, *check = nullptr, *plan = nullptr,
           *down = nullptr, *baseline = nullptr, *rollout = nullptr, *version = nullptr,
           *completion = nullptr, *init = nullptr, *rehearse = nullptr;
};

// Every subcommand and option, into `app`, bound to `c`.
void define_cli(CLI::App& app, Cli& c);
// The commands that change databases (up, down, baseline, rollout) and those that read (the rest).
void define_changing_commands(CLI::App& app, Cli& c);
void define_reading_commands(CLI::App& app, Cli& c);

// `orchestrate completion …`: needs the whole app, which it describes.
int run_completion(const CLI::App& app, const GlobalOptions& g, const CompletionOptions& o);

}  // namespace orch

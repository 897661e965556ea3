#pragma once
// Shell completion scripts and the manual page, rendered from a model of the command line (which
// cli/completion.cc reads from the CLI11 definitions main() parses with): nothing is written twice.
#include <string>
#include <vector>

namespace orch {

// What a command line offers, read from a CLI::App.
struct CliOption {
  std::vector<std::string> names;  // "--jobs", "-j"
  bool takes_value = false;
  std::string description;
  std::string completes;           // "services", "targets" or ""
};
struct CliCommand {
  std::string name;
  std::string description;
  std::vector<CliOption> options;
  std::string positional;          // completes: "services", "shells" or ""
};
struct CliModel {
  std::string description;
  std::vector<CliOption> global;
  std::vector<CliCommand> commands;
  std::string footer;
};

std::string bash_completion(const CliModel& m);
std::string zsh_completion(const CliModel& m);
std::string fish_completion(const CliModel& m);
// troff for man(1): NAME, SYNOPSIS, DESCRIPTION, COMMANDS with their options, EXIT STATUS, ENVIRONMENT.
std::string man_page(const CliModel& m, const std::string& version);

}  // namespace orch

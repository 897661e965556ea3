// `orchestrate version`: what --version prints, as a command.
#include <iostream>

#include "cli/commands.h"
#include "util/exit_codes.h"

namespace orch {

CommandRun define_version(CLI::App&, CommandEnv&) {
  return [] {
    std::cout << "orchestrate " ORCHESTRATE_VERSION "\n";
    return exit_code::kOk;
  };
}

}  // namespace orch

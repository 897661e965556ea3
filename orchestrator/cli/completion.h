#pragma once
// The command line as a model (report/cli_docs.h renders completions and the manual page from it),
// read from the same CLI11 definitions main() parses with.
#include <CLI/CLI.hpp>

#include "report/cli_docs.h"

namespace orch {

CliModel read_cli(const CLI::App& app);

}  // namespace orch

#pragma once
// Each subcommand is a function from parsed options to an exit code.
#include <string>
#include <vector>

#include "util/duration.h"

namespace orch {

struct GlobalOptions {
  std::string file = "services.toml";
  std::vector<std::string> targets;
  bool no_dashboard = false;
};

struct UpOptions {
  int jobs = 0;  // 0: the manifest's max_parallel, else 4
  std::vector<std::string> only;
  bool fail_fast = false;
  std::string lock_wait = "60s";
};

int run_up(const GlobalOptions& g, const UpOptions& o);

}  // namespace orch

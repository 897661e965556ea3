#pragma once
// `up`'s options, shared with `rehearse` (which takes them too) and `up --rehearse` (which rehearses
// with them first): the one pair of commands whose options cross files.
#include <string>
#include <vector>

#include "cli/commands.h"

namespace orch {

struct LoadedManifest;

struct UpOptions {
  int jobs = 0;  // 0: the manifest's max_parallel, else 4
  std::vector<std::string> only;
  bool fail_fast = false;
  std::string lock_wait = "60s";
  std::vector<std::string> reports;  // FORMAT:PATH
  bool yes = false;                  // protected targets without a prompt
  bool rehearse = false;             // rehearse every target first; start only when every rehearsal passes
};

struct RehearseOptions {
  UpOptions up;            // -j, --only, --fail-fast, --lock-wait, --report as `up` takes them
  std::string shadow_url;  // another server for the shadow database
  bool keep = false;       // leave the shadow database and print its URL
  bool roundtrip = false;  // then downgrade the new revisions and upgrade again, comparing schemas
};

// The rehearsal of the selected services on every target (rehearse, and up --rehearse before it
// starts): the worst exit code.
int rehearse_targets(const GlobalOptions& g, const LoadedManifest& l, const std::vector<int>& selected,
                     const RehearseOptions& o);

}  // namespace orch

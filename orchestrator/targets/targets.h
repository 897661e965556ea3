#pragma once
// Which databases a command runs on: `--target NAME` (repeatable), `--target all`, or by default the
// [project] database, named "default". Targets come from [targets.NAME] and from [targets_from] (a file
// or a query against a control database), for one database per tenant or region.
#include <stdexcept>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "targets/targets_file.h"

namespace orch {

struct ResolvedTarget {
  std::string name;
  std::string url;  // a secret: print only secrets::redact_url(url)
  bool is_protected = false;
};

// Every target the manifest knows, in declaration order ([targets] first, then [targets_from]). A
// [targets_from] source that cannot be read, or a name given twice, is a usage error (exit 2).
Result<std::vector<ResolvedTarget>> all_targets(const Manifest& m);

// What `--target` selects. Empty `names`: the default database. A name matching nothing is exit 2.
Result<std::vector<ResolvedTarget>> resolve_targets(const Manifest& m, const std::vector<std::string>& names);

}  // namespace orch

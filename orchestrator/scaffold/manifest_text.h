#pragma once
// The commented services.toml `orchestrate init` writes: every guess marked "check this", the order
// of the old script as a comment, depends_on only where the user confirmed it.
#include <map>
#include <string>
#include <vector>

#include "scaffold/project_scan.h"
#include "scaffold/rls_scaffold.h"

namespace orch {

struct ScaffoldInput {
  std::string project;
  std::vector<FoundService> services;
  std::vector<std::string> script_order;                   // from --from-script; may be empty
  std::string script_name;
  std::map<std::string, std::vector<std::string>> depends;  // confirmed: service -> what it depends on
  std::string alembic_python = "python3";                    // the interpreter that imports alembic here; "" for none
  std::vector<FoundService> not_run;                         // found, but the script does not run them: comments
  RlsFromScripts rls;                                        // the RLS phase taken from the scripts' psql SQL
};

std::string render_manifest(const ScaffoldInput& in);

}  // namespace orch

#pragma once
// What a shell script that `orchestrate init` replaces does: which of the found services it runs (in the
// order it names them) and the SQL it hands to psql (a heredoc, `-f FILE`, `< FILE` or `-c "…"`), so the
// manifest can take the script's services and an RLS script's policies.
#include <filesystem>
#include <string>
#include <vector>

#include "scaffold/project_scan.h"

namespace orch {

// Indexes into `found` of the services the script names (a service's path, or its name as a path's last
// part), in the order it first names them; comments are not read.
std::vector<size_t> services_run_by(const std::string& script, const std::vector<FoundService>& found);

struct PsqlSql {
  int line = 0;            // the script line of the psql command
  std::string how;         // "heredoc", "-f rls/policies.sql", "-c"
  std::string sql;         // what psql is given; empty when `unread`
  bool shell_expanded = false;  // an unquoted heredoc with $: the shell substitutes before psql sees it
  std::string unread;      // a file the script names that is not there (or is a variable): why it was not read
};

// Every psql invocation's SQL, in script order. Files are looked for beside the script, then in `root`
// (a leading $VAR/ is dropped first: scripts often start paths at their own directory).
std::vector<PsqlSql> psql_sql(const std::string& script, const std::filesystem::path& script_dir,
                              const std::filesystem::path& root);

// SQL that enables RLS or creates a policy.
bool is_rls_sql(const std::string& sql);

}  // namespace orch

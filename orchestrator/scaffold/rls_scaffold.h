#pragma once
// The RLS phase `orchestrate init` proposes from the scripts it replaces: the SQL a script hands to psql
// that enables RLS or creates policies, written to rls/ without its BEGIN/COMMIT (the phase is one
// transaction of orchestrate's) and without psql's backslash commands, for `[rls] files`.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace orch {

struct RlsFile {
  std::string path;     // relative to the repository: "rls/04-apply-rls-policies.sql"
  std::string text;
  std::string source;   // "04-apply-rls-policies.sh:12 (psql heredoc)"
};

struct RlsFromScripts {
  std::vector<RlsFile> files;
  std::vector<std::string> notes;  // one sentence each, for comments at [rls]
};

// Shell scripts (*.sh regular files) in the repository, at most 3 folders deep, sorted by path.
std::vector<std::filesystem::path> shell_scripts(const std::filesystem::path& root);

RlsFromScripts rls_from_scripts(const std::vector<std::filesystem::path>& scripts, const std::filesystem::path& root);

// `sql` with each transaction-control statement (BEGIN, COMMIT, …, from PostgreSQL's parse tree) and each
// psql backslash command turned into a comment saying so; `removed` gets what was taken out.
// Writes `files` under `root`, saying so on `out`; an existing file that differs is kept (said on
// `err`, false) unless `force`.
bool write_rls_files(const std::filesystem::path& root, const std::vector<RlsFile>& files, bool force,
                     std::ostream& out, std::ostream& err);

std::string rls_sql_without_transaction(const std::string& sql, std::vector<std::string>& removed);

}  // namespace orch

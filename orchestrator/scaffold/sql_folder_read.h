#pragma once
// What a folder of numbered .sql files says about itself, for `orchestrate init`: the schema it owns
// (its CREATE SCHEMA, else the schema its CREATE/ALTER statements qualify their tables with), the schemas
// it only refers to (Supabase's auth.users), and each file that holds BEGIN/COMMIT: whether it is a
// no-transaction candidate, or why not. Read with PostgreSQL's own grammar (util/sql_split).
#include <filesystem>
#include <string>
#include <vector>

namespace orch {

struct SqlFolderFacts {
  std::string schema;                 // "" when the files neither create nor qualify one
  std::string schema_source;          // "CREATE SCHEMA in 001_init.sql" / "the tables 3 statements create or alter"
  std::vector<std::string> notes;     // one sentence each, for comments at the service
};

SqlFolderFacts read_sql_folder(const std::filesystem::path& dir);

// The numbered migration files of a folder (NNNN_name.sql, not .down.sql, regular files), sorted by name.
std::vector<std::filesystem::path> numbered_sql_files(const std::filesystem::path& dir);

}  // namespace orch

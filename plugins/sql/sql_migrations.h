#pragma once
// The files of a `sql` runner service: NNNN_name.sql applied in numeric order; NNNN_name.down.sql
// undoes one. A first line `-- orchestrate:no-transaction` runs the file outside a transaction.
#include <filesystem>
#include <string>
#include <vector>

namespace orch {

struct SqlMigration {
  long long version = 0;
  std::string version_text;  // as written: "0003"
  std::string name;          // "create_meals"
  std::filesystem::path path;
  std::filesystem::path down_path;  // empty when there is none
  std::string contents;
  std::string checksum;       // sha256 of contents
  bool no_transaction = false;
};

struct SqlMigrationSet {
  std::vector<SqlMigration> migrations;  // ascending versions
  std::vector<std::string> errors;       // duplicate versions, unreadable files, names without a version
};

SqlMigrationSet read_sql_migrations(const std::filesystem::path& dir);

}  // namespace orch

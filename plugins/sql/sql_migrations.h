#pragma once
// The files of a `sql` runner service: NNNN_name.sql applied in numeric order; NNNN_name.down.sql
// undoes one. A first line `-- orchestrate:no-transaction` runs the file outside a transaction.
#include <filesystem>
#include <string>
#include <vector>

#include "manifest/manifest.h"

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

// Reads regular files only (a FIFO named 0001_x.sql is an error, never a hang) of at most
// `max_file_bytes` each ([runners.sql] max_file_size; larger is an error naming the file and the key).
SqlMigrationSet read_sql_migrations(const std::filesystem::path& dir, size_t max_file_bytes = kDefaultMaxSqlFileBytes);

}  // namespace orch

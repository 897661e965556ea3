#pragma once
// The sql runner's ledger (<schema>.orchestrate_migrations): its DDL, the row written with each file,
// and the validation that runs before anything is applied. Pure functions: `up`, `plan --sql`,
// `baseline`, `status` and the unit tests share them.
#include <map>
#include <string>
#include <vector>

#include "sql/sql_migrations.h"

namespace orch {

struct LedgerRow {
  std::string name;
  std::string checksum;
};
using Ledger = std::map<long long, LedgerRow>;  // version -> row

// The ledger's DDL, shared with status, check and down.
std::string ledger_ddl(const std::string& quoted_schema, const std::string& quoted_table);

// The row recorded with each applied file, as a statement with parameters $1..$5 (version, name,
// checksum, duration_ms, applied_by). `up` executes it with parameters; `plan --sql` prints it with
// the values inlined as literals by inline_parameters().
std::string ledger_insert_sql(const std::string& quoted_schema, const std::string& quoted_table);

// `sql` with $1..$N replaced by the given SQL literals (for printing, never for executing).
std::string inline_parameters(std::string sql, const std::vector<std::string>& literals);

struct LedgerVerdict {
  std::string error;                  // empty when the files may be applied
  std::vector<std::string> details;   // what to do about the error
  std::vector<std::string> warnings;  // e.g. a ledger version whose file is gone
};

// Before applying anything: an edited applied file (checksum drift) or a never-applied file older
// than the newest applied one (out of order) stops the service untouched.
LedgerVerdict validate_ledger(const std::string& path_text, const SqlMigrationSet& set, const Ledger& applied);

// "0003" for version 3 when a file says so, else the number.
std::string version_label(const SqlMigrationSet& set, long long version);

}  // namespace orch

#pragma once
// The sql runner's ledger (<schema>.orchestrate_migrations): its DDL, the row written with each file,
// and the validation that runs before anything is applied. Pure functions: `up`, `plan --sql`,
// `baseline`, `status` and the unit tests share them.
#include <map>
#include <string>
#include <vector>

#include "sql/file_ledger.h"
#include "sql/sql_migrations.h"

namespace orch {

struct LedgerRow {
  std::string name;
  std::string checksum;
};
using Ledger = std::map<long long, LedgerRow>;  // version -> row

// The `sql` kind's ledger, <version_schema>.<version_table> (orchestrate_migrations by default): the
// file's checksum, its duration and who applied it.
class OrchestrateLedger : public FileLedger {
 public:
  std::vector<std::string> create_sql(const ServiceSpec& s, const QuoteFn& q) const override;
  std::string read_sql(const ServiceSpec& s, const QuoteFn& q) const override;
  LedgerWrite record(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f, const QuoteFn& q) const override;
  LedgerWrite record_if_missing(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f,
                                const QuoteFn& q) const override;
  LedgerWrite forget(const ServiceSpec& s, const SqlMigration& m, const QuoteFn& q) const override;
  std::string versions_desc_sql(const ServiceSpec& s, const QuoteFn& q) const override;
};
const FileLedger& orchestrate_ledger();

// The ledger's DDL, shared with status, check and down.
std::string ledger_ddl(const std::string& quoted_schema, const std::string& quoted_table);

// `sql` with $1..$N replaced by the given SQL literals (for printing, never for executing).
std::string inline_parameters(std::string sql, const std::vector<std::string>& literals);

struct LedgerVerdict {
  std::string error;                  // empty when the files may be applied
  std::vector<std::string> details;   // what to do about the error
  std::vector<std::string> warnings;  // e.g. a ledger version whose file is gone
};

// Before applying anything: an edited applied file (checksum drift, when the ledger keeps checksums) or a never-applied file older
// than the newest applied one (out of order) stops the service untouched.
LedgerVerdict validate_ledger(const std::string& path_text, const SqlMigrationSet& set, const Ledger& applied);

// "0003" for version 3 when a file says so, else the number.
std::string version_label(const SqlMigrationSet& set, long long version);

}  // namespace orch

#pragma once
// How a kind records the SQL files it applied: the `sql` kind in <schema>.orchestrate_migrations
// (sql_ledger.h), the `supabase` kind in supabase_migrations.schema_migrations as the Supabase CLI does.
// The SQL applier (sql_steps.h) asks the ledger for its statements and never knows which one it has.
#include <functional>
#include <string>
#include <vector>

#include "manifest/manifest.h"
#include "sql/sql_migrations.h"

namespace orch {

using QuoteFn = std::function<std::string(const std::string&)>;  // an identifier, quoted

// A statement with parameters $1..$N and their values as text: `up` sends the values as parameters
// (or quoted by the connection), `plan --sql` prints them inlined as literals.
struct LedgerWrite {
  std::string sql;
  std::vector<std::string> values;
};

// What a ledger may record with a file besides its name.
struct RecordFacts {
  std::string duration_sql;              // an SQL expression for the file's duration in ms (measured by the server)
  std::string applied_by;                // who ran it ("" when the ledger does not keep it)
  std::vector<std::string> statements;   // the file's statements, for a ledger that keeps them
};

class FileLedger {
 public:
  virtual ~FileLedger() = default;
  // Does it keep a file's statements (RecordFacts::statements)? Splitting them costs a parse.
  virtual bool keeps_statements() const { return false; }
  // Creates what it keeps, when missing (idempotent statements, its own schema included).
  virtual std::vector<std::string> create_sql(const ServiceSpec& s, const QuoteFn& q) const = 0;
  // `SELECT version, name, checksum` of every recorded file (three columns; checksum "" when the
  // ledger keeps none, so an edited applied file cannot be told).
  virtual std::string read_sql(const ServiceSpec& s, const QuoteFn& q) const = 0;
  // The row recorded with `m`, in the same transaction as its statements.
  virtual LedgerWrite record(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f, const QuoteFn& q) const = 0;
  // The same row for baseline: nothing when it is there already, the version returned when it was added.
  virtual LedgerWrite record_if_missing(const ServiceSpec& s, const SqlMigration& m, const RecordFacts& f,
                                        const QuoteFn& q) const = 0;
  // Removes `m`'s row (down).
  virtual LedgerWrite forget(const ServiceSpec& s, const SqlMigration& m, const QuoteFn& q) const = 0;
  // `SELECT version` of the ledger, newest first (down reads what to revert).
  virtual std::string versions_desc_sql(const ServiceSpec& s, const QuoteFn& q) const = 0;
};

}  // namespace orch

#pragma once
// One SQL file, applied: its steps (transaction or not, the search_path, the statements, the ledger
// row) are built once here; `up` executes them (sql_runner.cc) and `plan --sql` prints them
// (render_steps), as render_policy does for the RLS phase. The kind supplies the ledger.
#include <functional>
#include <string>
#include <vector>

#include "sql/file_ledger.h"
#include "util/sql_split.h"

namespace orch {

// What a kind's files run with: where they are recorded, and whether each runs with the service's schema
// first on its search_path (the `sql` kind does; Supabase CLI migrations name their schemas).
struct SqlApplyRules {
  const FileLedger* ledger = nullptr;
  bool search_path = true;
};

// The server's measure of a file's duration in ms: its transaction's age (now() is when it began), or
// for a file without one, the age of the session setting set_config stamped before its first statement.
extern const char* const kTxDurationSql;
extern const char* const kSessionDurationSql;

struct FileSteps {
  const SqlMigration* file = nullptr;
  bool transaction = true;             // BEGIN … COMMIT around setup, statements and the ledger row
  std::vector<std::string> setup;      // before the statements (search_path; a no-transaction file's start stamp)
  std::vector<SqlStatement> statements;  // a transactional file: one holding the whole file; else each statement
  LedgerWrite ledger;                  // recorded in the file's transaction, or after its statements
  std::vector<std::string> teardown;   // after a no-transaction file (RESET search_path)
};

// Creates the service's schema and the ledger when missing (`up`, `plan --sql` and `baseline`).
std::vector<std::string> prepare_steps(const ServiceSpec& s, const SqlApplyRules& rules, const QuoteFn& q);

// The file's statements as the Supabase CLI records them (`statements text[]`): each with the comments
// before it, without its semicolon, trimmed; split by PostgreSQL's grammar.
std::vector<std::string> ledger_statements(const SqlMigration& m);

// The steps of `m`. `applied_by` is who `up` says ran it.
FileSteps file_steps(const ServiceSpec& s, const SqlMigration& m, const SqlApplyRules& rules,
                     const std::string& applied_by, const QuoteFn& q);

class Db;
class Tx;
// Called on the applying session just before a file's transaction commits (rehearsal reads pg_locks
// there); when set, COMMIT is its own round trip.
using BeforeCommit = std::function<void(Tx&, const SqlMigration&)>;

// Runs the steps on `db` under the service's limits. A no-transaction file's statements run from `next`
// on (a retry resumes at the one that timed out); `line_base` is the line of the one running. Throws
// DbError as the server says.
void execute_steps(Db& db, const FileSteps& f, const LockPolicy& locks, size_t& next, int& line_base,
                   const BeforeCommit& before_commit = {});

// The steps as a psql script: statements end with ";", the ledger's values inlined with `literal`.
std::string render_steps(const FileSteps& steps, const std::function<std::string(const std::string&)>& literal);
std::string render_prepare(const std::vector<std::string>& prepare);

}  // namespace orch

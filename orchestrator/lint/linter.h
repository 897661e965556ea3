#pragma once
// The migration linter: scripts in, findings out, on PostgreSQL's own parse tree (libpg_query). One
// Linter lints one run's scripts in the order `up` applies them, so a table created by an earlier
// script is known to be new (and empty) in a later one. With a TableCatalog it also knows sizes,
// which tables exist and which CHECKs are validated. docs/lint.md lists the rules.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lint/lint_rules.h"
#include "lint/table_catalog.h"
#include "util/result.h"

namespace orch {

struct LintSource {
  std::string service;
  std::string file;             // shown in findings: "meals/0004_idx.sql"
  std::string sql;              // the script
  bool in_transaction = true;   // it runs inside a transaction; BEGIN/COMMIT in the text move in and out
  std::string schema;           // where unqualified names resolve (the service's search_path)
  // Where line N of `sql` is for the user ("users: revision ab12, offline SQL line 40"); unset: file:N.
  std::function<std::string(int line)> locate;
};

struct LintFinding {
  std::string rule;
  std::string service;
  std::string where;       // file:line
  std::string message;
  std::string hint;
  bool allowed = false;    // by an `-- orchestrate:allow <rule> <reason>` comment
  std::string reason;      // that comment's reason
};

class Linter {
 public:
  Linter(LintPolicy policy, TableCatalog* catalog) : policy_(std::move(policy)), catalog_(catalog) {}
  // A script the parser refuses is the Error (its `where` is line:column in the script).
  Result<std::vector<LintFinding>> lint(const LintSource& src);

 private:
  friend class RunFacts;
  LintPolicy policy_;
  TableCatalog* catalog_;
  std::set<std::string> created_;                  // "schema.table" created earlier in the run
  std::map<std::string, std::string> checks_;      // "schema.table.constraint" -> column it proves NOT NULL
  std::set<std::string> proven_;                   // "schema.table.column" with a validated CHECK this run
};

// An `-- orchestrate:allow <rule> <reason>` comment. One on a line of its own covers the statement
// that starts on the next line; one after code covers the statement on its own line only.
struct AllowComment {
  std::string rule;
  std::string reason;
  bool own_line = false;
};
std::multimap<int, AllowComment> allow_comments(const std::string& sql);

}  // namespace orch

#pragma once
// SQL scripts as PostgreSQL's own grammar sees them (libpg_query, the PostgreSQL 15 parser): split into
// statements (dollar quotes, comments, `BEGIN ATOMIC … END` bodies all understood), each with its line
// and what kind of statement it is. Needed where statements run one at a time (no-transaction files:
// CREATE INDEX CONCURRENTLY refuses a multi-statement query), to refuse transaction control where it
// would break atomicity, and to map a failing statement back to its line.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace orch {

struct SqlStatement {
  std::string text;     // the statement without its trailing semicolon
  int line = 1;         // 1-based line in the script where the statement's first token is
  size_t offset = 0;    // byte offset of that token in the script
  std::string keyword;  // first keyword, upper-cased ("CREATE", "BEGIN", ...); empty for none
  std::string node;     // the parse tree's statement node ("CreateStmt", "TransactionStmt", ...)
};

// Parses the script; a syntax error is an Error whose `where` is "line:column" in the script and whose
// message is the parser's. Statements that hold only comments or white space are dropped.
// Linear in the script: it is parsed about 1 MiB at a time (cut where PostgreSQL's scanner ends a
// statement; a cut inside a BEGIN ATOMIC body makes that batch grow), lines are counted once, and
// Ctrl-C (util/interrupt.h) ends it between batches with an Error whose exit code is 130.
Result<std::vector<SqlStatement>> parse_sql(std::string_view script);

// A statement with its parse tree (libpg_query's JSON: {"IndexStmt": {...}}), for the linter.
struct ParsedStatement : SqlStatement {
  size_t length = 0;      // bytes of the statement in the script, from `offset`
  int end_line = 1;       // the line where it ends (offset + length)
  nlohmann::json tree;
};
Result<std::vector<ParsedStatement>> parse_sql_trees(std::string_view script);

// The same, one statement at a time as each batch is parsed, so a linter holds one batch's trees, not
// the file's (`with_trees` false: `node` only). Statements before a syntax error have been handed out
// when the error is returned.
Status for_each_statement(std::string_view script, bool with_trees, const std::function<void(ParsedStatement&)>& each);

// The same statements without the parse tree, for scripts that may not parse (the server then reports
// the error): never fails (nor stops on Ctrl-C: its caller is about to run what it returns); falls back
// to the scanner when the parser refuses the text. Linear, as parse_sql is.
std::vector<SqlStatement> split_sql(std::string_view script);

// BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION …:
// statements that would break the transaction orchestrate wraps around a file. From the parse tree,
// so a function's `BEGIN ATOMIC … END` body is not one.
bool is_transaction_control(const SqlStatement& stmt);

// 1-based line of a byte offset in `text`.
int line_of_offset(std::string_view text, size_t offset);

// The indexes a script creates (CREATE INDEX … name …), as (schema or "", name); a script that does
// not parse creates none as far as this says.
std::vector<std::pair<std::string, std::string>> indexes_created(std::string_view script);

// An SQL expression spliced into a statement (a policy's USING / WITH CHECK): accepted only when
// `SELECT (<expr>)` parses to exactly one plain SELECT whose one target is the expression, so text like
// `true); COMMIT; DROP TABLE x; SELECT (1` can never become statements of its own.
Status check_expression(std::string_view expr);

// Refuses text holding a NUL byte or bytes that are not UTF-8; the Error's `where` is the line.
Status check_text(std::string_view text);

}  // namespace orch

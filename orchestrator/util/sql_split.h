#pragma once
// Splits a SQL script into statements the way psql does: semicolons outside quotes, comments and
// dollar-quoted bodies end a statement. Needed where statements must run one at a time (files marked
// no-transaction: CREATE INDEX CONCURRENTLY refuses to run inside a multi-statement query) and to map a
// failing statement back to its line in the file.
#include <string>
#include <string_view>
#include <vector>

namespace orch {

struct SqlStatement {
  std::string text;     // the statement without its trailing semicolon
  int line = 1;         // 1-based line in the script where the statement's first token is
  size_t offset = 0;    // byte offset of that token in the script
  std::string keyword;  // first keyword, upper-cased ("CREATE", "BEGIN", ...); empty for none
};

// Statements that hold only comments or white space are dropped.
std::vector<SqlStatement> split_sql(std::string_view script);

// True for BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT: statements that would break the
// transaction orchestrate wraps around a file.
bool is_transaction_control(const SqlStatement& stmt);

// 1-based line of a byte offset in `text`.
int line_of_offset(std::string_view text, size_t offset);

}  // namespace orch

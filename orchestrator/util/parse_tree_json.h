#pragma once
// The statements of libpg_query's JSON parse tree ({"version":…,"stmts":[{"stmt":{"InsertStmt":{…}},
// "stmt_location":9,"stmt_len":29},…]}) read in one pass without building a DOM: where each statement
// is, its node name, and where its tree's text is, so a caller parses only the trees it wants. A DOM of
// a whole batch cost more time in malloc and free than the parse itself.
#include <optional>
#include <string_view>
#include <vector>

namespace orch {

struct TreeStatement {
  size_t location = 0;  // stmt_location (0 when absent)
  size_t len = 0;       // stmt_len (0 when absent: to the end of the text)
  std::string_view node;  // "InsertStmt"; empty when the statement has no tree
  std::string_view tree;  // the JSON text of {"InsertStmt": {…}}
};

// std::nullopt when the text is not shaped as libpg_query writes it (the caller then uses a real JSON
// parser).
std::optional<std::vector<TreeStatement>> tree_statements(std::string_view json);

}  // namespace orch

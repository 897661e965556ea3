#pragma once
// Statements that change what every database of a server shares (roles, memberships, databases,
// tablespaces, subscriptions, ALTER SYSTEM), told from their parse tree. A rehearsal in a shadow on the
// target's own server reads pg_locks before each transactional file commits; a no-transaction file
// commits statement by statement, so its statements are judged before they run.
#include <optional>
#include <string>

#include "util/sql_split.h"

namespace orch {

// What the statement would change on the server ("CREATE ROLE", "GRANT … ON DATABASE"); nullopt when
// it stays inside the database. A DO block is judged unknown, and so refused: its body runs unseen.
std::optional<std::string> server_wide_statement(const SqlStatement& st);

}  // namespace orch

#pragma once
// SQL text for printing (plan --sql, the RLS DO block), never for executing with values in it: what
// runs goes through Db with parameters and the connection's quote_name.
#include <string>

namespace orch {

// Always-quoted identifier, the same text libpq's PQescapeIdentifier produces.
std::string quote_identifier(const std::string& s);
// A standard-conforming string literal: 'it''s'.
std::string sql_literal(const std::string& s);

}  // namespace orch

#pragma once
// The one way orchestrate's catalogue queries name "the tables of a schema": ordinary and partitioned
// tables, with `c` (pg_class) and `n` (pg_namespace) as aliases. Views, sequences and foreign tables
// are never a migration's or a policy's concern.
namespace orch::catalog {

constexpr const char* kTables = "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace";
constexpr const char* kIsTable = "c.relkind IN ('r', 'p')";

}  // namespace orch::catalog

#pragma once
// Renders a declarative [[rls.policy]] to idempotent SQL for one table: enable RLS (and force it when
// asked), drop the policy if it exists, create it. Identifiers go through the caller's quoting function
// (the connection's quote_name in production); the USING and WITH CHECK expressions are SQL written
// by the manifest's author and are used as they are.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace orch {

using QuoteFn = std::function<std::string(const std::string&)>;

std::vector<std::string> render_policy(const PolicySpec& p, const std::string& schema, const std::string& table,
                                       bool force, const QuoteFn& quote);

// Tables no policy is demanded of: version tables, ledgers, orchestrate's own history ("schema.table").
std::set<std::string> rls_bookkeeping_tables(const Manifest& m);

// The declarative policies as one PL/pgSQL DO block that finds its tables when it runs (plan --sql):
// each statement is render_policy()'s own text for a placeholder table, turned into a format() string,
// so what a reviewer approves is what `up` executes.
std::string render_policies_do_block(const Manifest& m);

}  // namespace orch

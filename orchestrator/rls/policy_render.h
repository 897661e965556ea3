#pragma once
// Renders a declarative [[rls.policy]] to idempotent SQL for one table: enable RLS (and force it when
// asked), drop the policy if it exists, create it. Identifiers go through the caller's quoting function
// (the connection's quote_name in production); the USING and WITH CHECK expressions are SQL written
// by the manifest's author and are used as they are.
#include <functional>
#include <string>
#include <vector>

#include "manifest/manifest.h"

namespace orch {

using QuoteFn = std::function<std::string(const std::string&)>;

std::vector<std::string> render_policy(const PolicySpec& p, const std::string& schema, const std::string& table,
                                       bool force, const QuoteFn& quote);

}  // namespace orch

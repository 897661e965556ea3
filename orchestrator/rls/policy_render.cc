#include "rls/policy_render.h"

#include <algorithm>

namespace orch {

static std::string role_sql(const std::string& role, const QuoteFn& quote) {
  std::string lower = role;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  // Role specifications that are keywords, not names.
  if (lower == "public" || lower == "current_user" || lower == "session_user" || lower == "current_role")
    return [&] { std::string u = lower; std::transform(u.begin(), u.end(), u.begin(), ::toupper); return u; }();
  return quote(role);
}

std::vector<std::string> render_policy(const PolicySpec& p, const std::string& schema, const std::string& table,
                                       bool force, const QuoteFn& quote) {
  const std::string rel = quote(schema) + "." + quote(table);
  std::vector<std::string> out;
  out.push_back("ALTER TABLE " + rel + " ENABLE ROW LEVEL SECURITY");
  if (force) out.push_back("ALTER TABLE " + rel + " FORCE ROW LEVEL SECURITY");
  out.push_back("DROP POLICY IF EXISTS " + quote(p.name) + " ON " + rel);
  std::string create = "CREATE POLICY " + quote(p.name) + " ON " + rel + " AS PERMISSIVE FOR " + p.command + " TO ";
  for (size_t i = 0; i < p.roles.size(); ++i) create += (i ? ", " : "") + role_sql(p.roles[i], quote);
  if (!p.using_expr.empty()) create += " USING (" + p.using_expr + ")";
  if (!p.with_check.empty()) create += " WITH CHECK (" + p.with_check + ")";
  out.push_back(create);
  return out;
}

}  // namespace orch

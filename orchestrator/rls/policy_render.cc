#include "rls/policy_render.h"

#include <algorithm>

#include "util/catalog_sql.h"
#include "util/sql_text.h"
#include "util/text.h"

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

std::set<std::string> rls_bookkeeping_tables(const Manifest& m) {
  std::set<std::string> out;
  for (const auto& s : m.services) out.insert(s.version_schema + "." + s.version_table);
  out.insert("orchestrate.runs");
  out.insert("orchestrate.run_steps");
  out.insert("orchestrate.run_migrations");
  out.insert("orchestrate.schema_version");
  return out;
}

namespace {

// Placeholders that cannot occur in identifiers or expressions: schema and table of the loop row.
const char* const kSchemaMark = "\x01schema\x01";
const char* const kTableMark = "\x01table\x01";

// One rendered statement as a format() string: literal '%' doubled, the placeholders as %1$I / %2$I.
std::string as_format_string(const std::string& statement) {
  std::string out;
  for (char c : statement) out += c == '%' ? std::string("%%") : std::string(1, c);
  const std::string qs = quote_identifier(kSchemaMark), qt = quote_identifier(kTableMark);
  for (auto [mark, repl] : {std::pair<std::string, std::string>{qs, "%1$I"}, {qt, "%2$I"}})
    for (size_t at; (at = out.find(mark)) != std::string::npos;) out.replace(at, mark.size(), repl);
  return out;
}

}  // namespace

std::string render_policies_do_block(const Manifest& m) {
  if (m.rls.policies.empty()) return "";
  std::vector<std::string> skip;
  for (const auto& k : rls_bookkeeping_tables(m)) skip.push_back(sql_literal(k));
  std::string o = "DO $orchestrate$\nDECLARE t record;\nBEGIN\n";
  for (const auto& p : m.rls.policies) {
    std::vector<std::string> schemas;
    for (const auto& s : p.schemas) schemas.push_back(sql_literal(s));
    o += "  -- [[rls.policy]] " + p.name + "\n";
    // The same tables, in the same order, as the query the RLS phase runs.
    o += std::string("  FOR t IN SELECT n.nspname, c.relname FROM ") + catalog::kTables + "\n" +
         "           WHERE n.nspname = ANY (ARRAY[" + join(schemas, ", ") + "]::text[]) AND " + catalog::kIsTable + "\n";
    if (!p.when_column.empty())
      o += "             AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = " +
           sql_literal(p.when_column) + " AND a.attnum > 0 AND NOT a.attisdropped)\n";
    o += "             AND n.nspname || '.' || c.relname NOT IN (" + join(skip, ", ") + ")\n";
    o += "           ORDER BY array_position(ARRAY[" + join(schemas, ", ") + "]::text[], n.nspname::text), c.relname\n";
    o += "  LOOP\n";
    for (const auto& st : render_policy(p, kSchemaMark, kTableMark, m.rls.force, quote_identifier))
      o += "    EXECUTE format(" + sql_literal(as_format_string(st)) + ", t.nspname, t.relname);\n";
    o += "  END LOOP;\n";
  }
  return o + "END\n$orchestrate$;\n";
}

}  // namespace orch

#include "lint/table_catalog.h"

#include <cmath>
#include <cstdio>
#include <regex>

#include "db/db.h"
#include "util/catalog_sql.h"

namespace orch {

std::optional<TableFacts> DbTableCatalog::table(const std::string& schema, const std::string& name) {
  const std::string key = schema + "." + name;
  if (auto it = tables_.find(key); it != tables_.end()) return it->second;
  TableFacts t;
  Rows rows = db_.query(
      "SELECT c.reltuples::float8, " + catalog::unblocked_size("pg_total_relation_size") + ", "
      "       (SELECT string_agg(pg_get_constraintdef(k.oid), E'\\n') FROM pg_constraint k "
      "         WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.convalidated) "
      "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      " WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
      {schema, name}, TxKind::Autocommit);  // one SELECT needs no transaction: one round trip, not three
  if (!rows.empty()) {
    t.exists = true;
    t.rows = std::stod(rows[0][0].str());
    t.bytes = rows[0][1].as_int();
    // pg_get_constraintdef prints "CHECK ((col IS NOT NULL))"; a quoted name keeps its quotes.
    static const std::regex not_null(R"(^CHECK \(\(("?)([^"]+)\1 IS NOT NULL\)\)$)");
    const std::string defs = rows[0][2].str();
    size_t start = 0;
    while (start <= defs.size() && !defs.empty()) {
      size_t end = defs.find('\n', start);
      std::string def = defs.substr(start, end == std::string::npos ? std::string::npos : end - start);
      std::smatch m;
      if (std::regex_match(def, m, not_null)) t.not_null_checked.push_back(m[2]);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  tables_[key] = t;
  return t;
}

char DbTableCatalog::function_volatility(const std::string& name) {
  if (auto it = functions_.find(name); it != functions_.end()) return it->second;
  std::string v = db_.scalar("SELECT coalesce(max(CASE provolatile WHEN 'v' THEN 3 WHEN 's' THEN 2 ELSE 1 END), 0) "
                             "FROM pg_proc WHERE proname = $1",
                             {name}, TxKind::Autocommit);
  char c = v == "3" ? 'v' : v == "2" ? 's' : v == "1" ? 'i' : 0;
  functions_[name] = c;
  return c;
}

std::string describe_size(const TableFacts& t) {
  char rows[48];
  if (t.rows < 0) std::snprintf(rows, sizeof rows, "never analysed");
  else if (t.rows >= 1e6) std::snprintf(rows, sizeof rows, "~%.1fM rows", t.rows / 1e6);
  else if (t.rows >= 1e4) std::snprintf(rows, sizeof rows, "~%.0fk rows", t.rows / 1e3);
  else std::snprintf(rows, sizeof rows, "~%.0f rows", t.rows);
  static const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
  double size = static_cast<double>(t.bytes);
  int u = 0;
  while (size >= 1024 * 10 && u < 4) size /= 1024, ++u;
  char out[96];
  std::snprintf(out, sizeof out, "%s, %.0f %s", rows, std::round(size), units[u]);
  return out;
}

}  // namespace orch

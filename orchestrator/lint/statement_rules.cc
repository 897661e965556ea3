#include "lint/statement_rules.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace orch {

using nlohmann::json;

std::pair<std::string, std::string> relation_name(const json& rv, const std::string& schema) {
  return {rv.value("schemaname", schema), rv.value("relname", "")};
}

namespace {

std::string last_name(const json& names) {
  if (!names.is_array() || names.empty()) return "";
  std::string s = names.back().contains("String") ? names.back()["String"].value("sval", "") : "";
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Functions whose default forces a rewrite when the database cannot be asked.
bool known_volatile(const std::string& f) {
  static const std::set<std::string> names = {"random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
                                              "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval",
                                              "txid_current", "setseed"};
  return names.count(f) > 0;
}

// The first volatile function an expression calls, or "".
std::string volatile_call(const json& e, StatementFacts& facts) {
  if (e.is_object()) {
    if (auto it = e.find("FuncCall"); it != e.end()) {
      std::string f = last_name((*it).value("funcname", json::array()));
      char v = facts.volatility(f);
      if (v == 'v' || (v == 0 && known_volatile(f))) return f + "()";
    }
    for (const auto& [key, value] : e.items())
      if (auto f = volatile_call(value, facts); !f.empty()) return f;
  } else if (e.is_array()) {
    for (const auto& value : e)
      if (auto f = volatile_call(value, facts); !f.empty()) return f;
  }
  return "";
}

// The column a CHECK (col IS NOT NULL) proves, or "".
std::string not_null_column(const json& expr) {
  if (!expr.contains("NullTest")) return "";
  const json& t = expr["NullTest"];
  if (t.value("nulltesttype", "") != "IS_NOT_NULL" || !t.contains("arg") || !t["arg"].contains("ColumnRef")) return "";
  return last_name(t["arg"]["ColumnRef"].value("fields", json::array()));
}

class Checker {
 public:
  Checker(StatementFacts& facts, std::vector<RuleHit>& out) : f_(facts), out_(out) {}

  void index(const json& s) {
    auto [schema, table] = relation_name(s.value("relation", json::object()), f_.default_schema());
    const std::string what = std::string(s.value("unique", false) ? "CREATE UNIQUE INDEX" : "CREATE INDEX");
    if (s.value("concurrent", false)) {
      if (f_.in_transaction())
        hit("ban-concurrent-index-creation-in-transaction",
            what + " CONCURRENTLY cannot run inside a transaction block, and this one runs in one",
            "give it a file of its own whose first line is `-- orchestrate:no-transaction` (Alembic: "
            "op.get_context().autocommit_block())");
      return;
    }
    if (f_.is_new(schema, table)) return;
    hit("require-concurrent-index-creation",
        what + " on " + schema + "." + table + f_.size_note(schema, table) +
            " without CONCURRENTLY blocks writes for the whole build",
        "CREATE INDEX CONCURRENTLY in a `-- orchestrate:no-transaction` file (Alembic: postgresql_concurrently=True "
        "inside autocommit_block())");
  }

  void alter_table(const json& s) {
    if (s.value("objtype", "OBJECT_TABLE") != "OBJECT_TABLE") return;
    auto [schema, table] = relation_name(s.value("relation", json::object()), f_.default_schema());
    const bool is_new = f_.is_new(schema, table);
    rel_ = schema + "." + table;
    for (const auto& c : s.value("cmds", json::array())) {
      if (!c.contains("AlterTableCmd")) continue;
      const json& cmd = c["AlterTableCmd"];
      const std::string sub = cmd.value("subtype", "");
      if (sub == "AT_AddConstraint" && cmd.contains("def") && cmd["def"].contains("Constraint"))
        add_constraint(cmd["def"]["Constraint"], schema, table, is_new);
      if (sub == "AT_ValidateConstraint") f_.note_validated(schema, table, cmd.value("name", ""));
      if (is_new) continue;
      const std::string col = cmd.value("name", "");
      if (sub == "AT_AddColumn" && cmd.contains("def") && cmd["def"].contains("ColumnDef"))
        add_column(cmd["def"]["ColumnDef"], schema, table);
      else if (sub == "AT_SetNotNull" && !f_.not_null_proven(schema, table, col))
        hit("adding-not-nullable-field",
            "SET NOT NULL on " + rel_ + "." + col + f_.size_note(schema, table) +
                " scans every row under an ACCESS EXCLUSIVE lock",
            "first ADD CONSTRAINT … CHECK (" + col + " IS NOT NULL) NOT VALID, VALIDATE it in a later migration; "
            "SET NOT NULL then skips the scan");
      else if (sub == "AT_AlterColumnType")
        hit("changing-column-type",
            "ALTER COLUMN " + col + " TYPE on " + rel_ + f_.size_note(schema, table) +
                " may rewrite the table and its indexes under an ACCESS EXCLUSIVE lock",
            "add a new column, backfill it in batches, and switch the application over");
      else if (sub == "AT_DropColumn")
        hit("ban-drop-column", "DROP COLUMN " + col + " on " + rel_ + " breaks application code that still reads it",
            "stop using the column in a release first, then drop it in a later migration");
    }
  }

  void rename(const json& s) {
    const std::string type = s.value("renameType", "");
    if (type != "OBJECT_COLUMN" && type != "OBJECT_TABLE") return;
    if (type == "OBJECT_COLUMN" && s.value("relationType", "") != "OBJECT_TABLE") return;
    auto [schema, table] = relation_name(s.value("relation", json::object()), f_.default_schema());
    if (f_.is_new(schema, table)) {
      if (type == "OBJECT_TABLE") f_.note_created(schema, s.value("newname", ""));
      return;
    }
    if (type == "OBJECT_COLUMN")
      hit("renaming-column",
          "RENAME COLUMN " + s.value("subname", "") + " TO " + s.value("newname", "") + " on " + schema + "." + table +
              " breaks the application instances still running during the deploy",
          "add the new column, write both, backfill, move readers over, then drop the old one");
    else
      hit("renaming-table",
          "RENAME " + schema + "." + table + " TO " + s.value("newname", "") +
              " breaks the application instances still running during the deploy",
          "create a view under the old name, or move readers over before renaming");
  }

  void drop(const json& s) {
    if (s.value("removeType", "") != "OBJECT_TABLE") return;
    for (const auto& o : s.value("objects", json::array())) {
      if (!o.contains("List")) continue;
      std::vector<std::string> parts;
      for (const auto& item : o["List"].value("items", json::array()))
        if (item.contains("String")) parts.push_back(item["String"].value("sval", ""));
      if (parts.empty()) continue;
      std::string schema = parts.size() > 1 ? parts[parts.size() - 2] : f_.default_schema(), table = parts.back();
      if (f_.is_new(schema, table)) continue;
      hit("ban-drop-table", "DROP TABLE " + schema + "." + table + " breaks application code that still uses it",
          "stop using the table in a release first, then drop it in a later migration");
    }
  }

  void create(const json& rv) {
    auto [schema, table] = relation_name(rv, f_.default_schema());
    f_.note_created(schema, table);
  }

 private:
  void hit(const char* rule, std::string message, std::string hint) { out_.push_back({rule, std::move(message), std::move(hint)}); }

  void add_constraint(const json& con, const std::string& schema, const std::string& table, bool is_new) {
    const std::string type = con.value("contype", "");
    const std::string name = con.value("conname", "");
    if (type == "CONSTR_CHECK") {
      std::string col = con.contains("raw_expr") ? not_null_column(con["raw_expr"]) : "";
      if (!col.empty()) f_.note_not_null_check(schema, table, name, col, !con.value("skip_validation", false));
    }
    if (is_new) return;
    const std::string label = name.empty() ? "" : " " + name;
    if ((type == "CONSTR_FOREIGN" || type == "CONSTR_CHECK") && !con.value("skip_validation", false))
      hit("constraint-missing-not-valid",
          "ADD CONSTRAINT" + label + (type == "CONSTR_FOREIGN" ? " FOREIGN KEY" : " CHECK") + " on " + rel_ +
              f_.size_note(schema, table) + " checks every row while holding a lock that blocks writes",
          "add it NOT VALID, then VALIDATE CONSTRAINT" + label + " in a later migration (that takes a weaker lock)");
    if ((type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") && !con.contains("indexname"))
      hit("disallowed-unique-constraint",
          std::string("ADD ") + (type == "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY") + label + " on " + rel_ +
              f_.size_note(schema, table) + " builds its index while blocking writes",
          "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX");
  }

  void add_column(const json& def, const std::string& schema, const std::string& table) {
    const std::string col = def.value("colname", "");
    const std::string type = def.contains("typeName") ? last_name(def["typeName"].value("names", json::array())) : "";
    bool not_null = false, has_default = false;
    std::string rewrite;  // why adding it rewrites the table
    if (type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial4" || type == "serial8" ||
        type == "serial2")
      rewrite = "a " + type + " column (nextval() per row)";
    for (const auto& c : def.value("constraints", json::array())) {
      if (!c.contains("Constraint")) continue;
      const json& con = c["Constraint"];
      const std::string t = con.value("contype", "");
      if (t == "CONSTR_NOTNULL" || t == "CONSTR_PRIMARY") not_null = true;
      if (t == "CONSTR_DEFAULT") {
        has_default = true;
        if (auto f = volatile_call(con.value("raw_expr", json::object()), f_); !f.empty())
          rewrite = "the volatile default " + f;
      }
      if (t == "CONSTR_GENERATED") has_default = true, rewrite = "a stored generated column";
      if (t == "CONSTR_IDENTITY") has_default = true, rewrite = "an identity column";
      if ((t == "CONSTR_UNIQUE" || t == "CONSTR_PRIMARY") && !rel_.empty())
        hit("disallowed-unique-constraint",
            "ADD COLUMN " + col + (t == "CONSTR_UNIQUE" ? " UNIQUE" : " PRIMARY KEY") + " on " + rel_ +
                " builds its index while blocking writes",
            "add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX");
    }
    if (!has_default && !rewrite.empty()) has_default = true;
    if (!rewrite.empty())
      hit("adding-field-with-default",
          "ADD COLUMN " + col + " on " + rel_ + f_.size_note(schema, table) + " with " + rewrite +
              " rewrites the whole table under an ACCESS EXCLUSIVE lock",
          "add the column without the default (or with a constant one), then backfill in batches");
    if (not_null && !has_default)
      hit("adding-required-field",
          "ADD COLUMN " + col + " NOT NULL without a default on " + rel_ + f_.size_note(schema, table) +
              " fails as soon as the table has a row",
          "add it nullable (or with a constant default), backfill, then add NOT NULL");
  }

  StatementFacts& f_;
  std::vector<RuleHit>& out_;
  std::string rel_;
};

}  // namespace

std::vector<RuleHit> check_statement(const json& stmt, StatementFacts& facts) {
  std::vector<RuleHit> out;
  if (!stmt.is_object() || stmt.empty()) return out;
  const std::string node = stmt.begin().key();
  const json& s = stmt.begin().value();
  Checker c(facts, out);
  if (node == "IndexStmt") c.index(s);
  else if (node == "AlterTableStmt") c.alter_table(s);
  else if (node == "RenameStmt") c.rename(s);
  else if (node == "DropStmt") c.drop(s);
  else if (node == "CreateStmt") c.create(s.value("relation", json::object()));
  else if (node == "CreateTableAsStmt" && s.contains("into")) c.create(s["into"].value("rel", json::object()));
  return out;
}

}  // namespace orch

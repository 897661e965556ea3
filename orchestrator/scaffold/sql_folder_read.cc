#include "scaffold/sql_folder_read.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "util/sql_split.h"
#include "util/text.h"

namespace orch {

namespace fs = std::filesystem;

namespace {

// Schemas of the relations a statement creates or alters (its own `relation`, `view` or `into.rel`),
// and of every other relation it names (a REFERENCES target, a view's FROM).
struct Names {
  std::map<std::string, int> owned;
  std::map<std::string, std::set<std::string>> referenced;  // schema -> "schema.table" examples
};

void walk(const nlohmann::json& j, bool top_relation, Names& n) {
  if (j.is_array()) {
    for (const auto& e : j) walk(e, false, n);
    return;
  }
  if (!j.is_object()) return;
  if (j.contains("relname") && j.contains("schemaname") && j["schemaname"].is_string()) {
    const std::string schema = j["schemaname"].get<std::string>();
    if (top_relation) ++n.owned[schema];
    else n.referenced[schema].insert(schema + "." + j["relname"].get<std::string>());
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it) walk(it.value(), false, n);
}

void names_of(const ParsedStatement& st, Names& n, std::vector<std::pair<std::string, std::string>>& created) {
  if (!st.tree.is_object() || st.tree.empty()) return;
  const auto& [node, body] = *st.tree.items().begin();
  if (node == "CreateSchemaStmt" && body.contains("schemaname")) created.emplace_back(body["schemaname"], "");
  static const std::set<std::string> owning = {"CreateStmt", "AlterTableStmt", "IndexStmt", "ViewStmt",
                                               "CreateTableAsStmt", "CreateTrigStmt", "CreatePolicyStmt"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    const bool own = owning.count(node) && (it.key() == "relation" || it.key() == "view" || it.key() == "into");
    if (own && it.key() == "into" && it.value().contains("rel")) walk(it.value()["rel"], true, n);
    else walk(it.value(), own, n);
  }
}

// A statement PostgreSQL refuses inside a transaction block.
std::string needs_no_transaction(const ParsedStatement& st) {
  if (!st.tree.is_object() || st.tree.empty()) return "";
  const auto& [node, body] = *st.tree.items().begin();
  if (node == "IndexStmt" && body.value("concurrent", false)) return "CREATE INDEX CONCURRENTLY";
  if (node == "VacuumStmt") return "VACUUM";
  if (node == "CreatedbStmt") return "CREATE DATABASE";
  if (node == "AlterSystemStmt") return "ALTER SYSTEM";
  if (node == "ReindexStmt" && body.dump().find("concurrently") != std::string::npos) return "REINDEX CONCURRENTLY";
  return "";
}

// What to do with a file holding transaction control; "" when it holds none.
std::string transaction_note(const std::string& file, const std::vector<ParsedStatement>& sts) {
  std::vector<const ParsedStatement*> control;
  std::string outside;
  int outside_line = 0;
  for (const auto& st : sts) {
    if (is_transaction_control(st)) control.push_back(&st);
    else if (outside.empty() && !(outside = needs_no_transaction(st)).empty()) outside_line = st.line;
  }
  if (control.empty()) return "";
  std::vector<std::string> where;
  for (const auto* c : control) where.push_back(c->keyword + " at line " + std::to_string(c->line));
  const std::string lines = join(where, ", ");
  if (!outside.empty())
    return file + " holds " + lines + " and " + outside + " at line " + std::to_string(outside_line) +
           ", which cannot run in a transaction: a no-transaction candidate: put `-- orchestrate:no-transaction` "
           "on its first line (its statements then run one at a time; write them idempotently)";
  const bool wraps = control.size() == 2 && &sts.front() == control[0] && &sts.back() == control[1] &&
                     (control[0]->keyword == "BEGIN" || control[0]->keyword == "START") &&
                     (control[1]->keyword == "COMMIT" || control[1]->keyword == "END");
  if (wraps)
    return file + " wraps itself in " + lines + ": not a no-transaction candidate (every statement in it can "
           "run in a transaction): delete those two lines; orchestrate runs each file in one transaction, "
           "with its ledger row, and refuses BEGIN/COMMIT inside it";
  return file + " holds " + lines + " between its statements: orchestrate refuses that in a file it runs in one "
         "transaction; split it into files at those lines, or, if its parts must commit separately, mark it "
         "`-- orchestrate:no-transaction` (a no-transaction candidate)";
}

}  // namespace

std::vector<fs::path> numbered_sql_files(const fs::path& dir) {
  static const std::regex numbered(R"(^\d+_.+\.sql$)");
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (e.is_regular_file(ec) && std::regex_match(f, numbered) && !ends_with(f, ".down.sql")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

SqlFolderFacts read_sql_folder(const fs::path& dir) {
  SqlFolderFacts facts;
  Names names;
  std::vector<std::pair<std::string, std::string>> created;  // (schema, file)
  for (const auto& path : numbered_sql_files(dir)) {
    const std::string file = path.filename().string();
    auto parsed = parse_sql_trees(read_text_file(path.string()));
    if (!parsed) {
      facts.notes.push_back(file + " does not parse at " + parsed.error().where + ": " + parsed.error().message +
                            " (`orchestrate check` shows it)");
      continue;
    }
    const size_t before = created.size();
    for (const auto& st : *parsed) names_of(st, names, created);
    for (size_t i = before; i < created.size(); ++i) created[i].second = file;
    if (auto note = transaction_note(file, *parsed); !note.empty()) facts.notes.push_back(note);
  }
  std::set<std::string> own;
  for (const auto& [schema, file] : created) {
    if (schema == "public") continue;
    if (facts.schema.empty()) {
      facts.schema = schema;
      facts.schema_source = "CREATE SCHEMA in " + file;
    } else if (schema != facts.schema && own.insert(schema).second) {
      facts.notes.push_back("also creates schema " + schema + " (" + file + "): a service owns one schema; "
                            "objects there are not counted as this service's");
    }
  }
  if (facts.schema.empty()) {
    auto top = std::max_element(names.owned.begin(), names.owned.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; });
    if (top != names.owned.end() && top->first != "public") {
      facts.schema = top->first;
      facts.schema_source = "the tables " + std::to_string(top->second) + " statements create or alter";
    }
  }
  for (const auto& [schema, tables] : names.referenced) {
    if (schema == facts.schema || names.owned.count(schema) || own.count(schema)) continue;
    std::vector<std::string> some(tables.begin(), tables.end());
    if (some.size() > 3) some.resize(3);
    facts.notes.push_back("refers to schema " + schema + " (" + join(some, ", ") + "), which it does not create" +
                          (schema == "auth" ? " (Supabase's)" : "") + ": it must exist before this service runs");
  }
  return facts;
}

}  // namespace orch

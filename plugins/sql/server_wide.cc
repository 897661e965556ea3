#include "sql/server_wide.h"

#include <map>
#include <set>

namespace orch {

namespace {

// The objtype of a GRANT or COMMENT, read from the statement's own parse tree.
std::string object_type(const SqlStatement& st) {
  auto trees = parse_sql_trees(st.text);
  if (!trees || trees->empty()) return "";
  const nlohmann::json& stmt = (*trees)[0].tree;
  for (const auto& [node, body] : stmt.items())  // GRANT, COMMENT, SECURITY LABEL: objtype; RENAME and OWNER TO: their own
    for (const char* key : {"objtype", "renameType", "objectType"})
      if (body.is_object() && body.contains(key) && body[key].is_string()) return body[key].get<std::string>();
  return "";
}

}  // namespace

std::optional<std::string> server_wide_statement(const SqlStatement& given) {
  SqlStatement st = given;
  if (st.node.empty())  // split_sql leaves it out: parse the one statement
    if (auto parsed = parse_sql(st.text); parsed && !parsed->empty()) st.node = (*parsed)[0].node;
  static const std::map<std::string, std::string> kNodes = {
      {"CreateRoleStmt", "CREATE ROLE"},       {"AlterRoleStmt", "ALTER ROLE"},
      {"AlterRoleSetStmt", "ALTER ROLE … SET"}, {"DropRoleStmt", "DROP ROLE"},
      {"GrantRoleStmt", "GRANT/REVOKE a role"}, {"CreatedbStmt", "CREATE DATABASE"},
      {"AlterDatabaseStmt", "ALTER DATABASE"},  {"AlterDatabaseSetStmt", "ALTER DATABASE … SET"},
      {"DropdbStmt", "DROP DATABASE"},          {"CreateTableSpaceStmt", "CREATE TABLESPACE"},
      {"DropTableSpaceStmt", "DROP TABLESPACE"}, {"AlterTableSpaceOptionsStmt", "ALTER TABLESPACE"},
      {"AlterSystemStmt", "ALTER SYSTEM"},      {"CreateSubscriptionStmt", "CREATE SUBSCRIPTION"},
      {"AlterSubscriptionStmt", "ALTER SUBSCRIPTION"}, {"DropSubscriptionStmt", "DROP SUBSCRIPTION"},
      {"ReassignOwnedStmt", "REASSIGN OWNED"}, {"DropOwnedStmt", "DROP OWNED (it revokes grants on databases too)"},
      {"DoStmt", "a DO block (its body cannot be judged before it runs)"},
  };
  static const std::set<std::string> kSharedObjects = {"OBJECT_DATABASE", "OBJECT_TABLESPACE", "OBJECT_PARAMETER_ACL",
                                                       "OBJECT_ROLE"};
  if (auto it = kNodes.find(st.node); it != kNodes.end()) return it->second;
  static const std::map<std::string, std::string> kOnObjects = {
      {"GrantStmt", "GRANT/REVOKE"}, {"CommentStmt", "COMMENT"}, {"SecLabelStmt", "SECURITY LABEL"},
      {"RenameStmt", "RENAME"},      {"AlterOwnerStmt", "OWNER TO"}};
  if (auto it = kOnObjects.find(st.node); it != kOnObjects.end()) {
    const std::string type = object_type(st);
    if (kSharedObjects.count(type)) return it->second + " on a " + type.substr(7);
  }
  return std::nullopt;
}

}  // namespace orch

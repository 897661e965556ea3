#include "engine/schema_copy.h"

#include <algorithm>
#include <set>

#include "db/database.h"
#include "db/db.h"
#include "db/lock_blocker.h"
#include "util/duration.h"
#include "engine/pg_tools.h"
#include "migration_kind.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

// A pg_dump pattern that matches exactly this table: both names quoted, quotes doubled.
std::string exact_pattern(const std::string& schema, const std::string& table) {
  auto q = [](const std::string& s) { return "\"" + replace_all(s, "\"", "\"\"") + "\""; };
  return q(schema) + "." + q(table);
}

}  // namespace

CopyPlan plan_copy(Db& target, const Manifest& m) {
  std::set<std::pair<std::string, std::string>> keep;
  for (const auto& s : m.services)
    if (migration_kind(s.runner).tracks_versions()) keep.insert({s.version_schema, s.version_table});
  std::set<std::string> named(m.rehearsal.data.begin(), m.rehearsal.data.end());
  std::set<std::string> found;
  CopyPlan plan;
  Rows rows = target.query(
      "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2",
      {}, TxKind::ReadOnly);
  for (const auto& r : rows) {
    const std::string &schema = r[0].str(), &table = r[1].str();
    bool data = keep.count({schema, table}) || schema == "orchestrate" || named.count(schema + "." + table);
    if (named.count(schema + "." + table)) found.insert(schema + "." + table);
    (data ? plan.with_data : plan.without_data).push_back(exact_pattern(schema, table));
  }
  for (const auto& n : m.rehearsal.data)
    if (!found.count(n)) plan.missing_data.push_back(n);
  return plan;
}

std::vector<std::string> restore_obstacles(Db& target, Db& shadow_server) {
  std::vector<std::string> out;
  Rows ext = target.query("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1", {}, TxKind::ReadOnly);
  std::set<std::string> available;
  for (const auto& r : shadow_server.query("SELECT name FROM pg_available_extensions")) available.insert(r[0].str());
  for (const auto& r : ext)
    if (!available.count(r[0].str())) out.push_back("extension " + r[0].str() + " is not available there");
  // Roles the restored GRANTs and policies name (owners do not matter: the restore uses --no-owner).
  Rows roles = target.query(
      "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_class c, aclexplode(c.relacl) a "
      "WHERE a.grantee NOT IN (0, c.relowner) "
      "UNION SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_namespace n, aclexplode(n.nspacl) a "
      "WHERE a.grantee NOT IN (0, n.nspowner) "
      "UNION SELECT DISTINCT pg_get_userbyid(r) FROM pg_policy p, unnest(p.polroles) r WHERE r <> 0 ORDER BY 1",
      {}, TxKind::ReadOnly);
  std::set<std::string> present;
  for (const auto& r : shadow_server.query("SELECT rolname FROM pg_roles")) present.insert(r[0].str());
  for (const auto& r : roles)
    if (!present.count(r[0].str())) out.push_back("role " + r[0].str() + " does not exist there");
  return out;
}

std::vector<std::string> roles_missing_there(Db& target, Db& shadow_server) {
  std::set<std::string> present;
  for (const auto& r : shadow_server.query("SELECT rolname FROM pg_roles")) present.insert(r[0].str());
  std::vector<std::string> out;
  for (const auto& r : target.query("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1", {}, TxKind::ReadOnly))
    if (!present.count(r[0].str())) out.push_back(r[0].str());
  return out;
}

Result<Millis> dump_target(const std::string& target_url, const CopyPlan& plan, const std::filesystem::path& dump_file,
                           Millis lock_wait, const std::vector<std::string>& schemas, CancelHub& hub) {
  std::vector<std::string> args = {"--format=custom", "--no-owner", "--file=" + dump_file.string(),
                                   "--lock-wait-timeout=" + std::to_string(lock_wait.count())};
  for (const auto& p : plan.without_data) args.push_back("--exclude-table-data=" + p);
  auto dumped = run_pg_tool("pg_dump", args, target_url, kReadOnlyOptions, hub);
  if (!dumped) {
    Error e = dumped.error();
    if (e.exit_code == 130) return e;
    e.message = "copying the target's schema: " + e.message;
    // pg_dump's --lock-wait-timeout is a statement_timeout on its LOCK TABLE.
    if (e.message.find("Query was: LOCK TABLE") != std::string::npos) {
      std::string held;
      try {
        auto db = connect_db(target_url, "orchestrate/rehearse");
        held = describe_blocker(*db, schemas);
      } catch (const std::exception&) {
      }
      e.message = "copying the target's schema: pg_dump waited " + format_duration(lock_wait) + " for a table lock" +
                  (held.empty() ? "" : ": " + held);
      e.hint = "a session on the target holds a lock on a table; rehearse again once it has ended (pg_dump takes "
               "ACCESS SHARE locks only and waits at most lock_timeout, so it never queues the target's readers)";
    }
    return e;
  }
  return dumped->duration;
}

Result<Millis> restore_into(const std::string& shadow_url, const std::filesystem::path& dump_file, CancelHub& hub) {
  auto restored = run_pg_tool("pg_restore", {"--no-owner", "--exit-on-error", "--single-transaction", dump_file.string()},
                              shadow_url, "", hub);
  if (!restored) {
    Error e = restored.error();
    if (e.exit_code != 130) {
      e.message = "restoring the target's schema into the shadow database: " + e.message;
      e.where = secrets::redact_url(shadow_url);
      e.hint = e.message.find("permission denied to create extension") != std::string::npos
                   ? "the rehearsing user may not create that extension (PostgreSQL lets only a superuser create it): "
                     "rehearse as a user who may, or on a throwaway server (--shadow-url) as its superuser"
                   : "the shadow's server needs the target's extensions and roles; rehearse on the target's own server "
                     "(the default) or create them there";
    }
    return e;
  }
  return restored->duration;
}

}  // namespace orch

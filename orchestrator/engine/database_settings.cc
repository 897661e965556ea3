#include "engine/database_settings.h"

#include "db/database.h"
#include "db/db.h"
#include "db/db_error.h"

namespace orch {

std::vector<DatabaseSetting> read_database_settings(Db& target) {
  std::vector<DatabaseSetting> out;
  Rows rows = target.query(
      "SELECT coalesce(r.rolname, ''), c.setting FROM pg_db_role_setting s "
      "LEFT JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) AS c(setting) "
      "WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1, 2",
      {}, TxKind::ReadOnly);
  for (const auto& r : rows) {
    const std::string setting = r[1].str();
    size_t eq = setting.find('=');
    if (eq == std::string::npos) continue;
    out.push_back({r[0].str(), setting.substr(0, eq), setting.substr(eq + 1)});
  }
  return out;
}

std::vector<std::string> apply_database_settings(const std::string& shadow_url, const std::string& shadow_name,
                                                 const std::vector<DatabaseSetting>& settings) {
  std::vector<std::string> problems;
  if (settings.empty()) return problems;
  auto db = connect_db(shadow_url, "orchestrate/rehearse");
  for (const auto& s : settings) {
    const std::string who = s.role.empty() ? "DATABASE " + db->quote_name(shadow_name)
                                           : "ROLE " + db->quote_name(s.role) + " IN DATABASE " + db->quote_name(shadow_name);
    try {
      db->query("SELECT set_config($1, $2, false)", {s.name, s.value});
      db->query("ALTER " + who + " SET " + db->quote_name(s.name) + " FROM CURRENT");
    } catch (const DbError& e) {
      problems.push_back((s.role.empty() ? "" : "role " + s.role + "'s ") + s.name + " = " + s.value + ": " +
                         first_error_line(e.what()));
    }
  }
  return problems;
}

}  // namespace orch

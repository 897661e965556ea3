#pragma once
// The target's own settings (ALTER DATABASE … SET, ALTER ROLE … IN DATABASE … SET: pg_db_role_setting),
// which pg_dump without --create does not copy, carried to the shadow: a search_path set on the database
// decides where an unqualified version table or CREATE TABLE lands, so a shadow without it would not
// rehearse the target.
#include <string>
#include <vector>

namespace orch {

class Db;

struct DatabaseSetting {
  std::string role;   // "" for the database's own setting
  std::string name;   // search_path
  std::string value;  // as pg_db_role_setting holds it: "app, public"
};

// Read on the target's read-only session.
std::vector<DatabaseSetting> read_database_settings(Db& target);
// Sets each on the shadow database as its own: the value is a parameter (set_config), the setting is then
// stored with SET … FROM CURRENT. Returns what could not be carried over, one line each.
std::vector<std::string> apply_database_settings(const std::string& shadow_url, const std::string& shadow_name,
                                                 const std::vector<DatabaseSetting>& settings);

}  // namespace orch

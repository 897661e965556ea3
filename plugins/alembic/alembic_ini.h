#pragma once
// Where an alembic.ini keeps its revision files, read as Alembic reads it (ScriptDirectory.from_config):
// configparser's syntax (`=` or `:`, indented continuation lines, `#`/`;` comments, keys in any case),
// `%(here)s`, version_locations split by version_path_separator (or path_separator), relative paths
// against the working directory Alembic runs in, and recursive_version_locations.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orch {

// One section's keys (lower-cased) and values (continuation lines joined with '\n'); nullopt when
// the file cannot be read. A missing section is an empty map.
std::optional<std::map<std::string, std::string>> read_ini_section(const std::filesystem::path& ini,
                                                                   const std::string& section);

struct VersionLocations {
  std::vector<std::filesystem::path> dirs;
  bool recursive = false;  // recursive_version_locations: their subdirectories too (Alembic >= 1.10)
  std::string why_not;     // set when the ini cannot be understood without Alembic; then dirs is empty
};

// `cwd` is where Alembic runs (the service's directory): relative locations are relative to it, as
// Alembic's are to the process's working directory.
VersionLocations version_locations_from_ini(const std::filesystem::path& ini, const std::filesystem::path& cwd);

}  // namespace orch

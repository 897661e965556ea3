#pragma once
// Connections as orchestrate makes them: labelled with application_name so a DBA's pg_stat_activity
// says who is connected, with a connect timeout so a dead host fails fast instead of hanging.
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orch {

// Adds application_name and connect_timeout to a postgresql:// URL (keeping any already there).
std::string with_connection_params(const std::string& url, const std::string& application_name);

class Db;

// The rows of `schema.table`'s column as text, or nullopt when the table does not exist.
std::optional<std::vector<std::string>> read_version_column(Db& db, const std::string& schema, const std::string& table,
                                                            const std::string& column);

// A text[] literal ('{"a","b"}') for passing a list as one query parameter.
std::string to_pg_array(const std::vector<std::string>& v);

// The first line of a libpq error ("relation \"x\" does not exist"), without "ERROR:" and the context.
std::string first_error_line(const std::string& what);

// The LINE n of a libpq error message (position of the error inside the query text), or 0.
int error_line(const std::string& what);

}  // namespace orch

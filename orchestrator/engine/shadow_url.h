#pragma once
// The shadow database's URL is the target's (or the shadow server's) with another database name; the
// PostgreSQL tools get it without its password, which travels in PGPASSWORD instead of argv (ps).
#include <string>

#include "util/result.h"

namespace orch {

struct UrlParts {
  std::string without_password;  // postgresql://user@host:port/db?...
  std::string password;          // percent-decoded; "" when the URL has none
};

// postgresql:// URLs only (a keyword=value string is an error naming what to write instead).
Result<std::string> url_with_database(const std::string& url, const std::string& dbname);
Result<UrlParts> split_password(const std::string& url);

}  // namespace orch

#include "manifest/database_ref.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <regex>

#include "util/db_url.h"
#include "util/secret_command.h"
#include "util/secret_file.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

std::string normalise_database_url(const std::string& url) {
  static const std::regex scheme(R"(^(postgres|postgresql)(\+[A-Za-z0-9_]+)?://)");
  // An unencoded '@', '/' or '?' in the password is encoded, so libpq and the children's SQLAlchemy
  // read the password whole (util/db_url.h).
  return encode_userinfo(std::regex_replace(url, scheme, "postgresql://"));
}

namespace {

// The driver suffix each resolved URL had (postgresql+asyncpg://…): children get it back, orchestrate's own
// libpq connections use the normalised form.
std::mutex suffix_mutex;
std::map<std::string, std::string>& suffixes() {
  static std::map<std::string, std::string> m;
  return m;
}

void remember_suffix(const std::string& given, const std::string& normalised) {
  static const std::regex scheme(R"(^(?:postgres|postgresql)(\+[A-Za-z0-9_]+)://)");
  std::smatch m;
  if (!std::regex_search(given, m, scheme)) return;
  std::lock_guard<std::mutex> lock(suffix_mutex);
  suffixes()[normalised] = m[1].str();
}

}  // namespace

std::string url_for_children(const std::string& url) {
  std::lock_guard<std::mutex> lock(suffix_mutex);
  auto it = suffixes().find(url);
  if (it == suffixes().end() || !starts_with(url, "postgresql://")) return url;
  return "postgresql" + it->second + url.substr(std::string("postgresql").size());
}

Result<std::string> resolve_database(const DatabaseRef& ref) {
  std::string url;
  const std::string& spec = ref.spec;
  if (starts_with(spec, "env:")) {
    std::string var = spec.substr(4);
    const char* v = std::getenv(var.c_str());
    if (!v || !*v)
      return Error{"environment variable " + var + " is not set (" + ref.key + " = \"" + spec + "\")", ref.pos.str(),
                   "export " + var + "=postgresql://USER@HOST:PORT/DB, or point " + ref.key + " at a file: or URL", 2};
    url = trim(v);
  } else if (starts_with(spec, "file:")) {
    const std::string p = spec.substr(5);
    auto contents = read_secret_file(p);
    if (!contents)
      return Error{"database URL file: " + contents.error().message, ref.pos.str(),
                   "point it at a file holding one postgresql:// URL that this user may read", 2};
    url = trim(*contents);
    secrets::remember(url);
    if (url.empty())
      return Error{"database URL file " + p + " is empty", ref.pos.str(), "write one postgresql:// URL into it", 2};
  } else if (starts_with(spec, "command:")) {
    auto out = run_secret_command(spec.substr(8));
    if (!out)
      return Error{"database command failed: " + out.error().message, ref.pos.str(),
                   "run the command by hand as this user; it must print one postgresql:// URL", 2};
    url = *out;
    secrets::remember(url);
  } else {
    url = spec;
  }
  secrets::remember_url(url);
  const std::string given = url;
  url = normalise_database_url(url);
  remember_suffix(given, url);
  if (!starts_with(url, "postgresql://")) {
    // A file's contents are never quoted: a wrong path could point at anything (/proc/self/environ).
    std::string shown = starts_with(spec, "file:")      ? "the contents of " + spec.substr(5)
                        : starts_with(spec, "command:") ? "what the command printed"
                                                        : "\"" + secrets::redact_url(url) + "\"";
    return Error{"database URL must start with postgresql:// (got " + shown + ")", ref.pos.str(),
                 "use postgresql://USER:PASSWORD@HOST:PORT/DBNAME", 2};
  }
  return url;
}

}  // namespace orch

#include "db/database.h"

#include <regex>

#include "db/db.h"
#include "util/db_url.h"
#include "util/numbers.h"
#include "util/text.h"

namespace orch {

static std::string uri_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == ':') out += c;
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string with_connection_params(const std::string& url, const std::string& application_name) {
  // A password with an unencoded '@', '/' or '?' is encoded first: libpq would end it at the first of them.
  std::string out = encode_userinfo(url);
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  if (out.find("application_name=") == std::string::npos) {
    out += sep + std::string("application_name=") + uri_escape(application_name);
    sep = '&';
  }
  if (out.find("connect_timeout=") == std::string::npos) out += sep + std::string("connect_timeout=10");
  return out;
}

std::optional<std::vector<std::string>> read_version_column(Db& db, const std::string& schema, const std::string& table,
                                                            const std::string& column) {
  auto tx = db.begin(TxKind::ReadOnly);
  const std::string rel = db.quote_name(schema) + "." + db.quote_name(table);
  if (!tx->query("SELECT to_regclass($1) IS NOT NULL", {rel})[0][0].as_bool()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& row : tx->query("SELECT " + db.quote_name(column) + "::text FROM " + rel + " ORDER BY 1"))
    out.push_back(row[0].str());
  tx->commit();
  return out;
}

std::string to_pg_array(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ",";
    out += "\"";
    for (char ch : v[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += "\"";
  }
  return out + "}";
}

std::string first_error_line(const std::string& what) {
  std::string line = what.substr(0, what.find('\n'));
  for (const char* p : {"ERROR:  ", "FATAL:  ", "ERROR: ", "FATAL: "})
    if (starts_with(line, p)) line = line.substr(std::string(p).size());
  return trim(line);
}

int error_line(const std::string& what) {
  static const std::regex re(R"(\nLINE (\d+):)");
  std::smatch m;
  if (std::regex_search(what, m, re))
    if (auto line = parse_whole_number(m[1].str(), 1, 1 << 30, "LINE")) return static_cast<int>(*line);
  return 0;
}

}  // namespace orch

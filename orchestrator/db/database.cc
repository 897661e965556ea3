#include "db/database.h"

#include <regex>

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
  std::string out = url;
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  if (out.find("application_name=") == std::string::npos) {
    out += sep + std::string("application_name=") + uri_escape(application_name);
    sep = '&';
  }
  if (out.find("connect_timeout=") == std::string::npos) out += sep + std::string("connect_timeout=10");
  return out;
}

std::unique_ptr<pqxx::connection> connect(const std::string& url, const std::string& application_name) {
  return std::make_unique<pqxx::connection>(with_connection_params(url, application_name));
}

std::optional<std::vector<std::string>> read_version_column(pqxx::connection& c, const std::string& schema,
                                                            const std::string& table, const std::string& column) {
  pqxx::read_transaction tx(c);
  auto exists = tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", c.quote_name(schema) + "." + c.quote_name(table));
  if (!exists[0].as<bool>()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& row : tx.exec("SELECT " + c.quote_name(column) + "::text FROM " + c.quote_name(schema) + "." +
                                 c.quote_name(table) + " ORDER BY 1"))
    out.push_back(row[0].c_str());
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
  if (std::regex_search(what, m, re)) return std::stoi(m[1].str());
  return 0;
}

}  // namespace orch

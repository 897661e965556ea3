#include "util/secrets.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "util/db_url.h"
#include "util/secret_file.h"

namespace orch::secrets {
namespace {

std::mutex& mu() {
  static std::mutex m;
  return m;
}

std::vector<std::string>& registry() {
  static std::vector<std::string> r;
  return r;
}

// The passwords among them (not whole URLs from file: or command:), for scrub_quoted_fragments.
std::vector<std::string>& passwords() {
  static std::vector<std::string> p;
  return p;
}

bool& environment_read() {
  static bool done = false;
  return done;
}

void replace_all(std::string& s, const std::string& needle, std::string_view with) {
  if (needle.empty()) return;
  size_t pos = 0;
  while ((pos = s.find(needle, pos)) != std::string::npos) {
    s.replace(pos, needle.size(), with);
    pos += with.size();
  }
}

std::string percent_decoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void remember_one(std::string value) {
  if (value.size() < 3) return;
  auto& r = registry();
  if (std::find(r.begin(), r.end(), value) == r.end()) r.push_back(std::move(value));
}

void remember_locked(const std::string& value, bool password = false) {
  if (password)
    for (const std::string& form : {value, percent_decoded(value)})
      if (form.size() >= 3 && std::find(passwords().begin(), passwords().end(), form) == passwords().end())
        passwords().push_back(form);
  remember_one(percent_decoded(value));
  remember_one(percent_encode_userinfo_part(value, false));
  remember_one(percent_encode_userinfo_part(value, true));
  remember_one(value);
  // Longest first, so a secret that contains another is replaced whole.
  auto& r = registry();
  std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

bool ieq_at(std::string_view s, size_t i, std::string_view word) {
  if (i + word.size() > s.size()) return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(s[i + k])) != word[k]) return false;
  return true;
}

// password=VALUE in a keyword string: 'quoted' (backslash escapes) or up to white space.
void keyword_passwords(std::string_view s, std::vector<std::string>& out) {
  for (size_t i = 0; (i = s.find_first_of("pP", i)) != std::string_view::npos; ++i) {
    if (!ieq_at(s, i, "password")) continue;
    size_t j = i + 8;
    while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j >= s.size() || s[j] != '=') continue;
    for (++j; j < s.size() && std::isspace(static_cast<unsigned char>(s[j]));) ++j;
    std::string value;
    if (j < s.size() && s[j] == '\'') {
      for (++j; j < s.size() && s[j] != '\''; ++j) value += s[j] == '\\' && j + 1 < s.size() ? s[++j] : s[j];
    } else {
      for (; j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])); ++j) value += s[j];
    }
    out.push_back(value);
    i = j;
  }
}

// password=VALUE in a URL's query: up to the next '&'.
void query_passwords(std::string_view s, std::vector<std::string>& out) {
  for (size_t i = 0; (i = s.find('=', i)) != std::string_view::npos; ++i) {
    if (i < 8 || !ieq_at(s, i - 8, "password")) continue;
    size_t end = s.find('&', i + 1);
    out.emplace_back(s.substr(i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1));
  }
}

// hostname:port:database:username:password, with \: and \\ escaped; the password is the rest of the line.
void pgpass_passwords(const std::string& text, std::vector<std::string>& out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    int fields = 0;
    std::string value;
    for (size_t i = 0; i < line.size(); ++i) {
      if (fields == 4) value += line[i] == '\\' && i + 1 < line.size() ? line[++i] : line[i];
      else if (line[i] == '\\') ++i;
      else if (line[i] == ':') ++fields;
    }
    if (fields == 4) out.push_back(value);
  }
}

// password=VALUE lines of a connection service file (INI: the value is the rest of the line).
void service_file_passwords(const std::string& text, std::vector<std::string>& out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    size_t b = line.find_first_not_of(" \t"), eq = line.find('=');
    if (b == std::string::npos || eq == std::string::npos || !ieq_at(line, b, "password")) continue;
    if (line.find_first_not_of(" \t", b + 8) != eq) continue;
    size_t vb = line.find_first_not_of(" \t", eq + 1), ve = line.find_last_not_of(" \t\r");
    if (vb != std::string::npos && ve >= vb) out.push_back(line.substr(vb, ve - vb + 1));
  }
}

// A file libpq would read, when it is a regular file (libpq reads no other; a FIFO there must not
// hang every printer); "" otherwise.
std::string libpq_file(const char* variable, const char* in_home) {
  std::string file;
  if (const char* f = std::getenv(variable)) file = f;
  else if (const char* home = std::getenv("HOME")) file = std::string(home) + "/" + in_home;
  struct stat st {};
  if (file.empty() || ::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  auto text = read_secret_file(file);
  return text ? *text : "";
}

std::vector<std::string> libpq_environment_secrets() {
  std::vector<std::string> out;
  if (const char* pw = std::getenv("PGPASSWORD")) out.emplace_back(pw);
  pgpass_passwords(libpq_file("PGPASSFILE", ".pgpass"), out);
  service_file_passwords(libpq_file("PGSERVICEFILE", ".pg_service.conf"), out);
  return out;
}

}  // namespace

void remember(std::string value) {
  std::lock_guard<std::mutex> lock(mu());
  remember_locked(value);
}

void remember_url(const std::string& url) {
  std::vector<std::string> found;
  if (auto u = find_userinfo(url)) {
    if (u->has_password()) found.push_back(url.substr(u->colon + 1, u->at - u->colon - 1));
    query_passwords(std::string_view(url).substr(u->at), found);
  } else if (url.find("://") != std::string::npos) {
    query_passwords(url, found);
  } else {
    keyword_passwords(url, found);
  }
  std::lock_guard<std::mutex> lock(mu());
  for (const auto& p : found) remember_locked(p, true);
}

void remember_libpq_environment() {
  auto found = libpq_environment_secrets();
  std::lock_guard<std::mutex> lock(mu());
  environment_read() = true;
  for (const auto& p : found) remember_locked(p, true);
}

std::string scrub(std::string_view text) {
  bool read;
  {
    std::lock_guard<std::mutex> lock(mu());
    read = environment_read();
  }
  if (!read) remember_libpq_environment();
  std::string out(text);
  {
    std::lock_guard<std::mutex> lock(mu());
    for (const auto& s : registry()) replace_all(out, s, "***");
  }
  return redact_url(out);
}

std::string scrub_quoted_fragments(std::string_view text) {
  std::string out = scrub(text);
  std::lock_guard<std::mutex> lock(mu());
  for (size_t open = 0; (open = out.find('"', open)) != std::string::npos;) {
    size_t close = out.find('"', open + 1);
    if (close == std::string::npos) break;
    const std::string span = out.substr(open + 1, close - open - 1);
    bool shared = false;
    for (size_t i = 0; !shared && i + 3 <= span.size(); ++i)
      for (const auto& p : passwords())
        if (p.find(span.substr(i, 3)) != std::string::npos) shared = true;
    if (shared) out.replace(open + 1, span.size(), "***");
    open = (shared ? open + 4 : close) + 1;
  }
  return out;
}

void clear_for_tests() {
  std::lock_guard<std::mutex> lock(mu());
  registry().clear();
  passwords().clear();
  environment_read() = false;
}

}  // namespace orch::secrets

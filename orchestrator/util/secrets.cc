#include "util/secrets.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <mutex>
#include <regex>
#include <vector>

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

}  // namespace

void remember(std::string value) {
  std::lock_guard<std::mutex> lock(mu());
  auto& r = registry();
  remember_one(percent_decoded(value));
  remember_one(std::move(value));
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void remember_url(const std::string& url) {
  static const std::regex userinfo(R"(^[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:([^@\s/]+)@)");
  static const std::regex param(R"([?&]password=([^&\s]+))", std::regex::icase);
  std::smatch m;
  if (std::regex_search(url, m, userinfo)) remember(m[1].str());
  for (std::sregex_iterator it(url.begin(), url.end(), param), end; it != end; ++it) remember((*it)[1].str());
}

std::string redact_url(std::string_view url) {
  // scheme://user:password@host... ; the password may itself hold ':' but not '@' unless escaped.
  static const std::regex userinfo(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):([^@\s/]*)@)");
  std::string out = std::regex_replace(std::string(url), userinfo, "$1:***@");
  // Up to the next parameter, or to what ends a URL in prose: a registered secret was replaced whole
  // by scrub() already, and a line like "(postgresql://…?password=***), up to 4" keeps its "),".
  static const std::regex param(R"((password=)[^&\s)\],;'"]*)", std::regex::icase);
  return std::regex_replace(out, param, "$1***");
}

std::string scrub(std::string_view text) {
  std::string out(text);
  {
    std::lock_guard<std::mutex> lock(mu());
    for (const auto& s : registry()) replace_all(out, s, "***");
  }
  if (out.find("://") != std::string::npos || out.find("password=") != std::string::npos ||
      out.find("PASSWORD=") != std::string::npos)
    out = redact_url(out);
  return out;
}

void clear_for_tests() {
  std::lock_guard<std::mutex> lock(mu());
  registry().clear();
}

}  // namespace orch::secrets

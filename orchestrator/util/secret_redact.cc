// redact_url (util/secrets.h): one pass over the text, URLs and password=VALUE masked where they stand.
// A URL runs from its scheme to white space or an unescaped '"' (a JSON line's string ends there);
// its password is everything between "user:" and the '@' db_url.h picks, however many '@', '/', '?'
// or '#' it holds.
#include <cctype>
#include <string>
#include <string_view>

#include "util/db_url.h"
#include "util/secrets.h"

namespace orch::secrets {
namespace {

bool blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// A '"' preceded by an odd number of backslashes is escaped (JSON's \").
bool unescaped_quote(std::string_view s, size_t i) {
  if (s[i] != '"') return false;
  size_t n = 0;
  while (n < i && s[i - 1 - n] == '\\') ++n;
  return n % 2 == 0;
}

bool ieq_at(std::string_view s, size_t i, std::string_view word) {
  if (i + word.size() > s.size()) return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(s[i + k])) != word[k]) return false;
  return true;
}

size_t token_end(std::string_view s, size_t from) {
  while (from < s.size() && !blank(s[from]) && !unescaped_quote(s, from)) ++from;
  return from;
}

// Inside a URL: password=VALUE up to '&' or what ends a URL in prose ("(…?password=***), up to 4").
void mask_query(std::string_view s, std::string& out) {
  size_t i = 0;
  for (size_t eq; (eq = s.find('=', i)) != std::string_view::npos;) {
    out.append(s.substr(i, eq + 1 - i));
    i = eq + 1;
    if (eq < 8 || !ieq_at(s, eq - 8, "password")) continue;
    size_t end = s.find_first_of("&)],;'\"", i);
    if (end == std::string_view::npos) end = s.size();
    if (end > i) out += "***";
    i = end;
  }
  out.append(s.substr(i));
}

void mask_url(std::string_view token, std::string& out) {
  auto u = find_userinfo(token);
  size_t rest = 0;
  if (u && u->has_password()) {
    out.append(token.substr(0, u->colon + 1));
    out += "***";
    rest = u->at;
  }
  mask_query(token.substr(rest), out);
}

// Outside URLs: password = VALUE, 'quoted' (backslash escapes) or up to white space or an unescaped '"'.
void mask_keywords(std::string_view s, std::string& out) {
  size_t i = 0;
  for (size_t p = 0; (p = s.find_first_of("pP", p)) != std::string_view::npos;) {
    if (!ieq_at(s, p, "password")) {
      ++p;
      continue;
    }
    size_t j = p + 8;
    while (j < s.size() && blank(s[j])) ++j;
    if (j >= s.size() || s[j] != '=') {
      p = j;
      continue;
    }
    for (++j; j < s.size() && blank(s[j]);) ++j;
    size_t end = j;
    if (j < s.size() && s[j] == '\'') {
      for (end = j + 1; end < s.size() && s[end] != '\''; ++end)
        if (s[end] == '\\') ++end;
      end = end < s.size() ? end + 1 : s.size();
    } else {
      while (end < s.size() && !blank(s[end]) && !unescaped_quote(s, end)) ++end;
    }
    out.append(s.substr(i, j - i));
    if (end > j) out += "***";
    i = p = end;
  }
  out.append(s.substr(i));
}

}  // namespace

std::string redact_url(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t sep = text.find("://", i);
    if (sep == std::string_view::npos) break;
    size_t scheme = std::min(scheme_length_before(text, sep), sep - i);
    if (scheme == 0) {  // "://" without a scheme: plain text
      mask_keywords(text.substr(i, sep + 3 - i), out);
      i = sep + 3;
      continue;
    }
    mask_keywords(text.substr(i, sep - scheme - i), out);
    size_t end = token_end(text, sep + 3);
    mask_url(text.substr(sep - scheme, end - (sep - scheme)), out);
    i = end;
  }
  if (i < text.size()) mask_keywords(text.substr(i), out);
  return out;
}

}  // namespace orch::secrets

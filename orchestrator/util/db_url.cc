#include "util/db_url.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace orch {

namespace {

bool blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// libpq's connection parameters (PostgreSQL 16's list, a superset of 15's), plus "ssl", which libpq
// accepts in a URI's query for JDBC's sake. A query naming anything else is refused by libpq, so an
// '@' followed by such a query cannot be the one that ends the userinfo.
bool libpq_keyword(std::string_view k) {
  static const char* const known[] = {
      "application_name", "channel_binding", "client_encoding", "connect_timeout", "dbname",
      "fallback_application_name", "gssdelegation", "gssencmode", "gsslib", "host", "hostaddr", "keepalives",
      "keepalives_count", "keepalives_idle", "keepalives_interval", "krbsrvname", "load_balance_hosts", "options",
      "passfile", "password", "port", "replication", "require_auth", "requirepeer", "requiressl", "service", "ssl",
      "ssl_max_protocol_version", "ssl_min_protocol_version", "sslcert", "sslcertmode", "sslcompression", "sslcrl",
      "sslcrldir", "sslkey", "sslmode", "sslpassword", "sslrootcert", "sslsni", "target_session_attrs",
      "tcp_user_timeout", "user"};
  return std::any_of(std::begin(known), std::end(known), [&](const char* s) { return k == s; });
}

// HOST[:PORT][,HOST[:PORT]…][/DBNAME][?KEY=VALUE&…]: what may follow the '@' that ends the userinfo.
bool valid_tail(std::string_view t) {
  size_t i = 0;
  for (; i < t.size() && t[i] != '/' && t[i] != '?'; ++i)
    if (t[i] == '@' || blank(t[i])) return false;
  if (i < t.size() && t[i] == '/')
    for (++i; i < t.size() && t[i] != '?'; ++i)
      if (t[i] == '@' || blank(t[i])) return false;
  if (i >= t.size()) return true;
  std::string_view query = t.substr(i + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos || !libpq_keyword(piece.substr(0, eq))) return false;
    if (std::any_of(piece.begin(), piece.end(), blank)) return false;
  }
  return true;
}

bool hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

size_t scheme_length_before(std::string_view text, size_t pos) {
  size_t b = pos;
  while (b > 0) {
    char c = text[b - 1];
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-') --b;
    else break;
  }
  while (b < pos && !std::isalpha(static_cast<unsigned char>(text[b]))) ++b;  // a scheme starts with a letter
  return pos - b;
}

std::optional<Userinfo> find_userinfo(std::string_view token) {
  size_t sep = token.find("://");
  if (sep == std::string_view::npos || sep == 0 || scheme_length_before(token, sep) != sep) return std::nullopt;
  Userinfo u;
  u.user_begin = sep + 3;
  // postgresql://host:5432/db?user=a@b has no userinfo: libpq reads it whole, and so must we.
  if (valid_tail(token.substr(u.user_begin))) return std::nullopt;
  const size_t last = token.rfind('@');
  if (last == std::string_view::npos || last < u.user_begin) return std::nullopt;
  u.at = last;
  for (size_t i = token.find('@', u.user_begin); i < last; i = token.find('@', i + 1))
    if (valid_tail(token.substr(i + 1))) {
      u.at = i;
      break;
    }
  size_t colon = token.substr(u.user_begin, u.at - u.user_begin).find(':');
  if (colon != std::string_view::npos) u.colon = u.user_begin + colon;
  return u;
}

std::string percent_encode_userinfo_part(std::string_view s, bool colon_ok) {
  static const char* digits = "0123456789ABCDEF";
  static const std::string_view keep = "-._~!$&'()*+,;=";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
      out.append(s.substr(i, 3));  // already an escape: libpq decodes it, so must we leave it
      i += 2;
    } else if (std::isalnum(c) || keep.find(static_cast<char>(c)) != std::string_view::npos || (colon_ok && c == ':')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string encode_userinfo(const std::string& url) {
  auto u = find_userinfo(url);
  if (!u) return url;
  const size_t user_end = u->has_password() ? u->colon : u->at;
  std::string out = url.substr(0, u->user_begin);
  out += percent_encode_userinfo_part(std::string_view(url).substr(u->user_begin, user_end - u->user_begin), false);
  if (u->has_password())
    out += ":" + percent_encode_userinfo_part(std::string_view(url).substr(u->colon + 1, u->at - u->colon - 1), true);
  out += url.substr(u->at);
  return out;
}

}  // namespace orch

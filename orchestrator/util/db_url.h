#pragma once
// Where the user name and password sit in a postgresql:// URL, for masking and for repairing URLs whose
// password was not percent-encoded. libpq ends the userinfo at the FIRST '@' or '/', so
// postgresql://u:p@ss/w@host/db reaches it as password "p", host "ss", and its error messages then quote
// pieces of the password. A person means the LAST '@' before the host: that is what is masked, and
// what encode_userinfo() encodes so libpq (and SQLAlchemy) read the URL as it was meant.
#include <optional>
#include <string>
#include <string_view>

namespace orch {

struct Userinfo {
  size_t user_begin = 0;  // just after "://"
  size_t colon = std::string::npos;  // the ':' before the password; npos when there is no password
  size_t at = 0;                     // the '@' that ends the userinfo
  bool has_password() const { return colon != std::string::npos; }
};

// `token` starts with "scheme://" and holds one URL (no surrounding prose). The '@' chosen is the first
// after which the rest reads as HOST[:PORT][,…][/DBNAME][?KEY=VALUE&…] with libpq's own parameter
// names; when none does, the last '@'. std::nullopt when the token has no scheme, no '@', or reads
// whole as such a tail (postgresql://h:5432/db?user=a@b: libpq sees no userinfo there).
std::optional<Userinfo> find_userinfo(std::string_view token);

// The length of a scheme ("postgresql") ending just before `pos`, where text[pos..] is "://"; 0 when
// none does (a scheme starts with a letter).
size_t scheme_length_before(std::string_view text, size_t pos);

// The URL with its user name and password percent-encoded where libpq would misread them ('@', '/',
// '?', '#', a '%' that starts no %XX, blanks, non-ASCII); a well-formed URL comes back unchanged.
std::string encode_userinfo(const std::string& url);

// Percent-encodes every byte outside RFC 3986's unreserved and sub-delims (and ':' when `colon_ok`),
// keeping %XX escapes that are already there.
std::string percent_encode_userinfo_part(std::string_view s, bool colon_ok);

}  // namespace orch

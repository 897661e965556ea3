#include "engine/shadow_url.h"

#include "util/db_url.h"

namespace orch {

namespace {

Error not_a_url() {
  return Error{"rehearse needs the database as a postgresql:// URL, not a keyword=value string", "",
               "write it as postgresql://user@host:port/dbname"};
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Where the host part begins: after the userinfo's '@', else after "://".
Result<size_t> host_begin(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos || scheme_length_before(url, scheme) != scheme) return not_a_url();
  auto ui = find_userinfo(url);
  return ui ? ui->at + 1 : scheme + 3;
}

}  // namespace

Result<std::string> url_with_database(const std::string& url, const std::string& dbname) {
  auto host = host_begin(url);
  if (!host) return host.error();
  size_t query = url.find('?', *host);
  size_t path = url.find('/', *host);
  if (path != std::string::npos && query != std::string::npos && path > query) path = std::string::npos;
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  if (tail.find("dbname=") != std::string::npos)
    return Error{"the database URL names its database in ?dbname=, which rehearse cannot redirect", "",
                 "put the database name in the URL's path: postgresql://host:port/dbname"};
  size_t host_end = path != std::string::npos ? path : (query != std::string::npos ? query : url.size());
  return url.substr(0, host_end) + "/" + dbname + tail;
}

Result<UrlParts> split_password(const std::string& url) {
  auto host = host_begin(url);
  if (!host) return host.error();
  UrlParts p{url, ""};
  auto ui = find_userinfo(url);
  if (!ui || !ui->has_password()) return p;
  p.password = percent_decode(url.substr(ui->colon + 1, ui->at - ui->colon - 1));
  p.without_password = url.substr(0, ui->colon) + url.substr(ui->at);
  return p;
}

}  // namespace orch

#include "targets/targets_file.h"

#include "util/text.h"
#include "util/exit_codes.h"

namespace orch {

bool glob_match(const std::string& p, const std::string& s) {
  size_t pi = 0, si = 0, star = std::string::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

static std::string name_from_url(const std::string& url) {
  std::string base = url.substr(0, url.find('?'));
  auto slash = base.rfind('/');
  return slash == std::string::npos ? base : base.substr(slash + 1);
}

Result<std::vector<std::pair<std::string, std::string>>> parse_targets_file(const std::string& text,
                                                                          const std::string& display) {
  std::vector<std::pair<std::string, std::string>> out;
  int line_no = 0;
  for (const auto& raw : split(text, '\n')) {
    ++line_no;
    std::string line = trim(raw.substr(0, raw.find('#') == std::string::npos || raw.find("://") < raw.find('#')
                                              ? std::string::npos
                                              : raw.find('#')));
    if (line.empty()) continue;
    std::string name, url;
    auto eq = line.find('=');
    auto scheme = line.find("://");
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      name = trim(line.substr(0, eq));
      url = trim(line.substr(eq + 1));
    } else {
      url = line;
      name = name_from_url(url);
    }
    if (name.empty() || url.find("://") == std::string::npos)
      return Error{"expected `name=postgresql://...` or a URL", display + ":" + std::to_string(line_no), "", exit_code::kUsage};
    out.emplace_back(name, url);
  }
  return out;
}

}  // namespace orch

#include "util/text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include <fstream>

#include <cctype>

#include <algorithm>

namespace orch {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\n' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  if (!best.empty() || word.empty()) return best;
  // Not a typo but a part: "journal" for journal_service, "users" for users-api. Only when one fits.
  std::string part;
  for (const auto& c : candidates) {
    const bool head = c.size() > word.size() && c.compare(0, word.size(), word) == 0 &&
                      (c[word.size()] == '_' || c[word.size()] == '-' || c[word.size()] == '.');
    const size_t at = c.size() - word.size();
    const bool tail = c.size() > word.size() && c.compare(at, std::string::npos, word) == 0 &&
                      (c[at - 1] == '_' || c[at - 1] == '-' || c[at - 1] == '.');
    if (!head && !tail) continue;
    if (!part.empty()) return "";
    part = c;
  }
  return part;
}

std::string elide(std::string_view s, size_t width) {
  // Count code points, not bytes, so multi-byte characters are not split.
  size_t cols = 0, i = 0, cut = std::string_view::npos;
  while (i < s.size()) {
    if (cols == (width > 0 ? width - 1 : 0) && cut == std::string_view::npos) cut = i;
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    i += len;
    ++cols;
  }
  if (cols <= width) return std::string(s);
  if (width == 0) return "";
  return std::string(s.substr(0, cut)) + "\xE2\x80\xA6";
}

std::string format_revisions(const std::vector<std::string>& revs) { return revs.empty() ? "(none)" : join(revs, "+"); }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

std::string blocker_pid_in(const std::string& line) {
  if (line.find("lock timeout") == std::string::npos) return "";
  const std::string mark = "held by pid ";
  size_t at = line.find(mark);
  if (at == std::string::npos) return "";
  size_t start = at + mark.size(), end = start;
  while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) ++end;
  return line.substr(start, end - start);
}

std::string read_text_file(const std::string& path) {
  // Opened without blocking and read only when it is a regular file: a FIFO (or a device) where a
  // file was expected would otherwise hang the read or never end it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "";
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

std::string counted(size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

}  // namespace orch

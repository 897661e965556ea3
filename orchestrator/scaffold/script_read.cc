#include "scaffold/script_read.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "util/text.h"

namespace orch {

namespace fs = std::filesystem;

namespace {

// The script's lines with comments dropped and `\`-continued lines joined; each keeps its first line's number.
std::vector<std::pair<int, std::string>> logical_lines(const std::string& script) {
  std::vector<std::pair<int, std::string>> out;
  std::istringstream in(script);
  int n = 0;
  std::string pending;
  int pending_line = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (pending.empty()) pending_line = n;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    out.emplace_back(pending_line, pending + line);
    pending.clear();
  }
  if (!pending.empty()) out.emplace_back(pending_line, pending);
  return out;
}

std::string without_comment(const std::string& line) {
  const std::string t = trim(line);
  if (!t.empty() && t[0] == '#') return "";
  static const std::regex trailing(R"((^|\s)#.*$)");
  return std::regex_replace(line, trailing, "$1");
}

std::string last_part(std::string p) {
  while (!p.empty() && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

void read_file_into(PsqlSql& p, std::string name, const fs::path& script_dir, const fs::path& root) {
  static const std::regex leading_var(R"(^\$\{?\w+\}?/)");
  const std::string written = name;
  while (std::regex_search(name, leading_var)) name = std::regex_replace(name, leading_var, "", std::regex_constants::format_first_only);
  p.how = "-f " + written;
  if (name.find('$') != std::string::npos) {
    p.unread = written + " is a shell variable";
    return;
  }
  std::error_code ec;
  for (const fs::path& base : {script_dir, root})
    if (fs::is_regular_file(base / name, ec)) {
      p.sql = read_text_file((base / name).string());
      return;
    }
  p.unread = written + " is not in the repository";
}

}  // namespace

std::vector<size_t> services_run_by(const std::string& script, const std::vector<FoundService>& found) {
  std::vector<size_t> order;
  static const std::regex word(R"([A-Za-z0-9_./-]+)");
  for (const auto& [n, raw] : logical_lines(script)) {
    const std::string line = without_comment(raw);
    for (std::sregex_iterator it(line.begin(), line.end(), word), end; it != end; ++it) {
      std::string w = it->str();
      while (w.size() > 2 && w.compare(0, 2, "./") == 0) w = w.substr(2);
      while (!w.empty() && w.back() == '/') w.pop_back();
      for (size_t i = 0; i < found.size(); ++i) {
        const auto& s = found[i];
        const bool names = w == s.path || ends_with(w, "/" + s.path) || last_part(w) == s.name;
        if (names && std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
      }
    }
  }
  return order;
}

std::vector<PsqlSql> psql_sql(const std::string& script, const fs::path& script_dir, const fs::path& root) {
  static const std::regex psql(R"((^|[\s;&|(`])psql\b)");
  static const std::regex heredoc(R"(<<-?\s*(['"]?)([A-Za-z_]\w*)\1)");
  static const std::regex file_opt(R"((?:\s-f|\s--file)(?:\s+|=)(["']?)([^\s"';|&)]+)\1)");
  static const std::regex redirect(R"((?:^|[^<])<\s*(["']?)([^\s<"';|&)]+)\1)");
  static const std::regex command_opt(R"re(\s-c\s+(?:"([^"]*)"|'([^']*)'))re");
  std::vector<PsqlSql> out;
  const auto lines = logical_lines(script);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string line = without_comment(lines[i].second);
    if (!std::regex_search(line, psql)) continue;
    PsqlSql p;
    p.line = lines[i].first;
    std::smatch m;
    if (std::regex_search(line, m, heredoc)) {
      p.how = "heredoc";
      p.shell_expanded = m[1].str().empty();
      const std::string delim = m[2].str();
      std::string body;
      for (++i; i < lines.size() && trim(lines[i].second) != delim; ++i) body += lines[i].second + "\n";
      p.sql = body;
      p.shell_expanded = p.shell_expanded && body.find('$') != std::string::npos;
    } else if (std::regex_search(line, m, file_opt) || std::regex_search(line, m, redirect)) {
      read_file_into(p, m[2].str(), script_dir, root);
    } else if (std::regex_search(line, m, command_opt)) {
      p.how = "-c";
      p.sql = m[1].matched ? m[1].str() : m[2].str();
      p.shell_expanded = m[1].matched && p.sql.find('$') != std::string::npos;
    } else {
      continue;
    }
    out.push_back(p);
  }
  return out;
}

bool is_rls_sql(const std::string& sql) {
  static const std::regex rls(R"(ROW\s+LEVEL\s+SECURITY|CREATE\s+POLICY)", std::regex::icase);
  return std::regex_search(sql, rls);
}

}  // namespace orch

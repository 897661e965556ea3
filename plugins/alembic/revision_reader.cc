#include "alembic/revision_reader.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "alembic/alembic_ini.h"
#include "alembic/revision_graph.h"
#include "util/text.h"

namespace fs = std::filesystem;

namespace orch {

namespace {

// Python string literals in `s` (single, double, triple quotes; r/b/u prefixes), in order.
std::vector<std::string> string_literals(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c != '\'' && c != '"') continue;
    bool triple = i + 2 < s.size() && s[i + 1] == c && s[i + 2] == c;
    std::string q = triple ? std::string(3, c) : std::string(1, c);
    size_t end = s.find(q, i + q.size());
    if (end == std::string::npos) break;
    out.push_back(s.substr(i + q.size(), end - i - q.size()));
    i = end + q.size() - 1;
  }
  return out;
}

// The value text of a top-level assignment to `name`, joined across lines while brackets are open.
// Accepts `name = v`, `name: Type = v`; ignores indented (non-module-level) lines. `from` skips lines
// before it (0-based), to find a second assignment.
bool find_assignment(const std::vector<std::string>& lines, const std::string& name, std::string& value,
                     int& line_no, size_t from = 0) {
  for (size_t i = from; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (!starts_with(l, name)) continue;
    size_t p = name.size();
    if (p < l.size() && (std::isalnum(static_cast<unsigned char>(l[p])) || l[p] == '_')) continue;
    while (p < l.size() && (l[p] == ' ' || l[p] == '\t')) ++p;
    if (p < l.size() && l[p] == ':') {  // annotation: skip to '=' outside brackets
      int depth = 0;
      ++p;
      while (p < l.size() && !(l[p] == '=' && depth == 0)) {
        if (l[p] == '[' || l[p] == '(') ++depth;
        if (l[p] == ']' || l[p] == ')') --depth;
        ++p;
      }
    }
    if (p >= l.size() || l[p] != '=' || (p + 1 < l.size() && l[p + 1] == '=')) continue;
    std::string v = l.substr(p + 1);
    // Continue while brackets stay open (a tuple written over several lines).
    auto open_count = [](const std::string& s) {
      int d = 0;
      char q = 0;
      for (char ch : s) {
        if (q) { if (ch == q) q = 0; continue; }
        if (ch == '\'' || ch == '"') q = ch;
        else if (ch == '#') break;
        else if (ch == '(' || ch == '[') ++d;
        else if (ch == ')' || ch == ']') --d;
      }
      return d;
    };
    int depth = open_count(v);
    size_t j = i + 1;
    while (depth > 0 && j < lines.size()) {
      v += "\n" + lines[j];
      depth += open_count(lines[j]);
      ++j;
    }
    value = trim(v);
    line_no = static_cast<int>(i) + 1;
    return true;
  }
  return false;
}

bool is_identifier(const std::string& t) {
  if (t.empty() || !(std::isalpha(static_cast<unsigned char>(t[0])) || t[0] == '_')) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// None -> {}, 'a' -> {a}, ('a', 'b') / ['a'] -> {a, b}. False for anything computed. With
// `string_only` (revision), only a plain string literal is accepted: Alembic needs a str there.
bool parse_value(const std::string& v, std::vector<std::string>& out, bool string_only = false) {
  std::string t = v;
  auto hash = std::string::npos;
  {
    char q = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      if (q) { if (t[i] == q) q = 0; continue; }
      if (t[i] == '\'' || t[i] == '"') q = t[i];
      else if (t[i] == '#' && t.find('\n', i) == std::string::npos) { hash = i; break; }
    }
  }
  if (hash != std::string::npos) t = trim(t.substr(0, hash));
  if (t == "None" || t == "()" || t == "[]") {
    out.clear();
    return !string_only;
  }
  if (t.empty()) return false;
  char c = t[0];
  size_t pre = 0;
  while (pre < t.size() && (t[pre] == 'r' || t[pre] == 'u' || t[pre] == 'R' || t[pre] == 'U')) ++pre;
  if (t[pre] == '\'' || t[pre] == '"') {
    auto lits = string_literals(t.substr(pre));
    if (lits.size() != 1) return false;
    out = lits;
    return true;
  }
  if ((c == '(' || c == '[') && !string_only) {
    out = string_literals(t);
    return true;
  }
  return false;
}

// The value of `name`, following one level of a module-level string constant (`revision = REV`, where
// `REV = "abc"` is assigned at module level): what Python, and so Alembic, would see.
bool read_value(const std::vector<std::string>& lines, const std::string& name, std::vector<std::string>& out,
                int& line, std::string& raw, bool string_only) {
  if (!find_assignment(lines, name, raw, line)) return false;
  if (parse_value(raw, out, string_only)) return true;
  std::string constant_value;
  int constant_line = 0;
  std::string ident = trim(raw);
  if (is_identifier(ident) && ident != name && find_assignment(lines, ident, constant_value, constant_line))
    return parse_value(constant_value, out, string_only);
  return false;
}

std::string docstring_first_line(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {  // skip blank lines, comments and encoding lines
    size_t e = text.find('\n', i);
    std::string l = trim(text.substr(i, e == std::string::npos ? std::string::npos : e - i));
    if (!l.empty() && l[0] != '#') break;
    if (e == std::string::npos) return "";
    i = e + 1;
  }
  for (const char* q : {"\"\"\"", "'''", "\"", "'"}) {
    std::string qs(q);
    if (text.compare(i, qs.size(), qs) == 0) {
      size_t start = i + qs.size();
      size_t end = text.find(qs, start);
      std::string body = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      for (const auto& l : split(body, '\n')) {
        std::string t = trim(l);
        if (!t.empty()) return t;
      }
      return "";
    }
  }
  return "";
}

}  // namespace

RevisionFile parse_revision_source(const std::string& raw, const fs::path& path) {
  RevisionFile f;
  f.path = path;
  std::string text = raw;
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());  // Windows line ends
  if (starts_with(text, "\xEF\xBB\xBF")) text = text.substr(3);       // UTF-8 BOM
  std::vector<std::string> lines = split(text, '\n');
  f.message = docstring_first_line(text);

  std::string v;
  int line = 0;
  std::vector<std::string> vals;
  if (!find_assignment(lines, "revision", v, line)) {
    f.error = "no module-level `revision = '...'` assignment";
    return f;
  }
  // Python keeps the last assignment; two of them is a merge or copy accident, never intended.
  std::string again;
  int again_line = 0;
  if (find_assignment(lines, "revision", again, again_line, static_cast<size_t>(line))) {
    f.error = "line " + std::to_string(again_line) + ": `revision` is assigned a second time (first at line " +
              std::to_string(line) + ")";
    f.error_line = again_line;
    return f;
  }
  if (!read_value(lines, "revision", vals, line, v, true) || vals.size() != 1 || vals[0].empty()) {
    f.error = "line " + std::to_string(line) + ": `revision` is not a plain string (Alembic needs a str, e.g. revision = '" +
              (vals.size() == 1 ? vals[0] : std::string("abc123")) + "')";
    f.error_line = line;
    return f;
  }
  f.revision = vals[0];
  f.revision_line = line;

  if (!find_assignment(lines, "down_revision", v, line)) {
    f.error = "no module-level `down_revision` assignment";
    return f;
  }
  if (!read_value(lines, "down_revision", vals, line, v, false)) {
    f.error = "line " + std::to_string(line) + ": `down_revision` is neither None, a string nor a tuple of strings";
    f.error_line = line;
    return f;
  }
  f.down_revisions = vals;
  f.down_revision_line = line;

  if (find_assignment(lines, "branch_labels", v, line) && parse_value(v, vals)) f.branch_labels = vals;
  if (find_assignment(lines, "depends_on", v, line)) {
    if (!read_value(lines, "depends_on", vals, line, v, false)) {
      f.error = "line " + std::to_string(line) + ": `depends_on` is neither None, a string nor a tuple of strings";
      return f;
    }
    f.depends_on = vals;
    f.depends_on_line = line;
  }
  return f;
}

RevisionSet RevisionSet::from_files(std::vector<RevisionFile> files) {
  RevisionSet s;
  for (size_t i = 0; i < files.size(); ++i)
    if (files[i].load_index < 0) files[i].load_index = static_cast<int>(i);
  s.files_ = std::move(files);
  std::sort(s.files_.begin(), s.files_.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  s.graph_ = build_revision_graph(s.files_);
  return s;
}

RevisionSet RevisionSet::read_dir(const fs::path& dir, bool recursive) {
  std::vector<RevisionFile> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    RevisionFile f;
    f.path = dir;
    f.error = "versions directory does not exist";
    files.push_back(f);
    return from_files(std::move(files));
  }
  // Alembic >= 1.10 walks the subdirectories too when recursive_version_locations is set.
  std::vector<fs::directory_entry> entries;
  if (recursive)
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) entries.push_back(e);
  else
    for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e);
  for (const auto& e : entries) {
    if (!e.is_regular_file() || e.path().extension() != ".py") continue;
    if (e.path().filename() == "__init__.py") continue;
    std::ifstream in(e.path(), std::ios::binary);
    if (!in) {
      RevisionFile f;
      f.path = e.path();
      f.error = "cannot open the file";
      files.push_back(f);
      continue;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    files.push_back(parse_revision_source(ss.str(), e.path()));
  }
  // directory_iterator reads the directory as os.listdir does: the order Alembic loads the files in.
  for (size_t i = 0; i < files.size(); ++i) files[i].load_index = static_cast<int>(i);
  return from_files(std::move(files));
}

bool RevisionSet::complete() const {
  return std::none_of(files_.begin(), files_.end(), [](const auto& f) { return !f.error.empty(); });
}

const RevisionFile* RevisionSet::find(const std::string& rev) const {
  for (const auto& f : files_)
    if (f.error.empty() && f.revision == rev) return &f;
  return nullptr;
}

std::vector<std::string> RevisionSet::heads() const {
  // Alembic's heads: no child through down_revision (a depends_on does not make a revision a parent).
  std::set<std::string> parents;
  for (const auto& f : files_)
    for (const auto& d : f.down_revisions) parents.insert(d);
  std::vector<std::string> out;
  for (const auto& f : files_)
    if (f.error.empty() && !parents.count(f.revision)) out.push_back(f.revision);
  return out;
}

std::optional<std::vector<fs::path>> versions_dirs_from_ini(const fs::path& ini, const fs::path& cwd) {
  VersionLocations at = version_locations_from_ini(ini, cwd);
  if (!at.why_not.empty()) return std::nullopt;
  return at.dirs;
}

std::optional<RevisionSet> read_revision_set(const fs::path& ini, const fs::path& cwd) {
  VersionLocations at = version_locations_from_ini(ini, cwd);
  if (!at.why_not.empty()) return std::nullopt;
  std::vector<RevisionFile> files;
  for (const auto& d : at.dirs) {
    auto part = RevisionSet::read_dir(d, at.recursive);
    std::vector<RevisionFile> in_load_order = part.files();
    std::sort(in_load_order.begin(), in_load_order.end(), [](const auto& a, const auto& b) { return a.load_index < b.load_index; });
    for (auto& f : in_load_order) {
      f.load_index = static_cast<int>(files.size());
      files.push_back(std::move(f));
    }
  }
  return RevisionSet::from_files(std::move(files));
}

}  // namespace orch

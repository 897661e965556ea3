#include "scaffold/manifest_text.h"

#include <cctype>
#include <sstream>

#include "util/text.h"

namespace orch {

namespace {

// A TOML basic string: '"' and '\\' escaped, control characters as \n, \t or \uXXXX, so a folder named
// with a quote or a newline cannot end the string (or the line) early.
std::string quoted(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) out += std::string("\\u00") + hex[c >> 4] + hex[c & 15];
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

// A table key: bare when TOML allows it (A-Z a-z 0-9 _ -), else quoted ("api.v2" would be two keys).
std::string key(const std::string& s) {
  bool bare = !s.empty();
  for (unsigned char c : s) bare = bare && (std::isalnum(c) || c == '_' || c == '-') && c < 0x80;
  return bare ? s : quoted(s);
}

// Text inside a # comment: a newline would end the comment and make the rest TOML.
std::string comment(const std::string& s) {
  std::string q = quoted(s);
  return q.find('\\') == std::string::npos ? s : q;
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back(quoted(s));
  return "[" + join(q, ", ") + "]";
}

}  // namespace

std::string render_manifest(const ScaffoldInput& in) {
  std::ostringstream o;
  o << "# services.toml, written by `orchestrate init`. Read every line marked \"check this\".\n"
       "# Reference: docs/manifest.md. Run `orchestrate check` after editing.\n\n"
       "[project]\nname = " << quoted(in.project) << "\n"
       "database = \"env:DATABASE_URL\"   # or \"file:/run/secrets/url\", or \"command:gcloud secrets versions access …\"\n";
  bool alembic = false;
  for (const auto& s : in.services) alembic = alembic || s.runner == "alembic";
  if (alembic)
    o << "\n[runners.alembic]\ncommand = [" << quoted(in.alembic_python)
      << ", \"-m\", \"alembic\"]   # services with python = … use their own\n";
  if (!in.script_order.empty())
    o << "\n# The order " << comment(in.script_name) << " ran them in: " << comment(join(in.script_order, ", ")) << ".\n"
      << "# depends_on below holds only what was confirmed; services without it may run at the same time.\n";
  for (const auto& s : in.services) {
    o << "\n[services." << key(s.name) << "]\nrunner = " << quoted(s.runner) << "\npath = " << quoted(s.path) << "\n";
    if (s.runner == "alembic") o << "config = \"alembic.ini\"\n";
    o << "schema = " << quoted(s.schema);
    if (s.schema_source.empty()) o << "   # check this: guessed from the folder name";
    else o << "   # from " << comment(s.schema_source);
    o << "\n";
    if (!s.python.empty()) o << "python = " << quoted(s.python) << "   # found " << comment(s.python_source) << "\n";
    auto deps = in.depends.find(s.name);
    o << "depends_on = " << quoted_list(deps == in.depends.end() ? std::vector<std::string>{} : deps->second) << "\n";
  }
  return o.str();
}

}  // namespace orch

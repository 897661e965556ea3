#include "scaffold/manifest_text.h"

#include <algorithm>
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

// `text` as # comment lines of at most ~100 columns, each starting with `lead`.
std::string comment_lines(const std::string& text, const std::string& lead = "# ") {
  std::string flat = text;  // a newline would end the comment and make the rest TOML
  for (char& c : flat)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  std::string out, line;
  for (const auto& w : split(flat, ' ')) {
    if (!line.empty() && line.size() + w.size() + 1 > 100 - lead.size()) out += lead + line + "\n", line.clear();
    line += (line.empty() ? "" : " ") + w;
  }
  return out + (line.empty() ? "" : lead + line + "\n");
}

// Every line of a block, commented out.
std::string commented(const std::string& block) {
  std::string out;
  for (const auto& line : split(block, '\n'))
    if (!line.empty()) out += "# " + line + "\n";
  return out;
}

std::string service_block(const FoundService& s, const std::vector<std::string>& deps) {
  std::ostringstream o;
  o << "[services." << key(s.name) << "]\nrunner = " << quoted(s.runner) << "\npath = " << quoted(s.path) << "\n";
  if (s.runner == "alembic") o << "config = \"alembic.ini\"\n";
  o << "schema = " << quoted(s.schema);
  if (s.schema_source.empty()) o << "   # check this: guessed from the folder name";
  else o << "   # from " << comment(s.schema_source);
  o << "\n";
  if (!s.version_table.empty())
    o << "version_table = " << quoted(s.version_table)
      << "   # env.py sets no version_table_schema: Alembic keeps its version on the search_path\n";
  if (!s.python.empty()) o << "python = " << quoted(s.python) << "   # found " << comment(s.python_source) << "\n";
  if (!s.pythonpath.empty())
    o << "env = { PYTHONPATH = " << quoted(s.pythonpath) << " }   # check this: where what env.py imports is\n";
  o << "depends_on = " << quoted_list(deps) << "\n";
  for (const auto& n : s.notes) o << comment_lines(n);
  return o.str();
}

void render_rls(const ScaffoldInput& in, std::ostringstream& o) {
  std::vector<std::string> schemas;
  for (const auto& s : in.services)
    if (std::find(schemas.begin(), schemas.end(), s.schema) == schemas.end()) schemas.push_back(s.schema);
  if (in.rls.files.empty()) {
    o << "\n# No script applies RLS policies through psql. To have `up` verify that every table of these\n"
         "# schemas has RLS enabled and a policy (docs/rls.md):\n# [rls]\n# require = " << quoted_list(schemas) << "\n";
    for (const auto& n : in.rls.notes) o << comment_lines(n);
    return;
  }
  std::vector<std::string> files, sources;
  for (const auto& f : in.rls.files) files.push_back(f.path), sources.push_back(f.source);
  o << "\n# Row-Level Security, applied after every service succeeded, in one transaction, then verified.\n"
    << comment_lines("Taken from " + join(sources, ", ") + ".")
    << "[rls]\nfiles = " << quoted_list(files) << "\n"
    << "# check this: proposed, every service's schema: `up` fails, naming each table without RLS and a policy.\n"
    << "require = " << quoted_list(schemas) << "\n";
  for (const auto& n : in.rls.notes) o << comment_lines(n);
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
  if (alembic && in.alembic_python.empty())
    o << "\n[runners.alembic]\n# check this: no python3 here imports Alembic (apt install python3-alembic, or pip install "
         "alembic)\ncommand = [\"python3\", \"-m\", \"alembic\"]\n";
  else if (alembic)
    o << "\n[runners.alembic]\ncommand = [" << quoted(in.alembic_python)
      << ", \"-m\", \"alembic\"]   # imports Alembic here; services with python = … use their own\n";
  if (!in.script_order.empty())
    o << "\n# The order " << comment(in.script_name) << " ran them in: " << comment(join(in.script_order, ", ")) << ".\n"
      << "# depends_on below holds only what was confirmed; services without it may run at the same time.\n";
  for (const auto& s : in.services) {
    auto deps = in.depends.find(s.name);
    o << "\n" << service_block(s, deps == in.depends.end() ? std::vector<std::string>{} : deps->second);
  }
  for (const auto& s : in.not_run)
    o << "\n# Found but not run by " << comment(in.script_name) << "; uncomment to let orchestrate run it:\n"
      << commented(service_block(s, {}));
  render_rls(in, o);
  return o.str();
}

}  // namespace orch

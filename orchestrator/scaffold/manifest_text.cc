#include "scaffold/manifest_text.h"

#include <sstream>

#include "util/text.h"

namespace orch {

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

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
    o << "\n# The order " << in.script_name << " ran them in: " << join(in.script_order, ", ") << ".\n"
      << "# depends_on below holds only what was confirmed; services without it may run at the same time.\n";
  for (const auto& s : in.services) {
    o << "\n[services." << s.name << "]\nrunner = " << quoted(s.runner) << "\npath = " << quoted(s.path) << "\n";
    if (s.runner == "alembic") o << "config = \"alembic.ini\"\n";
    o << "schema = " << quoted(s.schema);
    if (s.schema_source.empty()) o << "   # check this: guessed from the folder name";
    else o << "   # from " << s.schema_source;
    o << "\n";
    if (!s.python.empty()) o << "python = " << quoted(s.python) << "   # found " << s.python_source << "\n";
    auto deps = in.depends.find(s.name);
    o << "depends_on = " << quoted_list(deps == in.depends.end() ? std::vector<std::string>{} : deps->second) << "\n";
  }
  return o.str();
}

}  // namespace orch

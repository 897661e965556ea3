#include "manifest/manifest.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "graph/service_graph.h"
#include "manifest/dir_guess.h"
#include "manifest/missing_dirs.h"
#include "util/sha256.h"
#include "util/sql_split.h"
#include "util/text.h"

namespace fs = std::filesystem;

namespace orch {

std::string SourcePos::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const ServiceSpec* Manifest::find(const std::string& name) const {
  for (const auto& s : services)
    if (s.name == name) return &s;
  return nullptr;
}

ManifestErrors::ManifestErrors(std::vector<ManifestError> errors) : errors_(std::move(errors)) {
  std::ostringstream out;
  for (size_t i = 0; i < errors_.size(); ++i) {
    const auto& e = errors_[i];
    if (i) out << "\n";
    out << e.pos.str() << ": error: " << e.message;
    if (!e.hint.empty()) out << "\n  hint: " << e.hint;
  }
  text_ = out.str();
}

namespace {

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// Collects errors while walking the document, so one run reports all of them.
class Loader {
 public:
  explicit Loader(std::string display) : display_(std::move(display)) {}

  SourcePos pos(const toml::source_region& r) const {
    return SourcePos{display_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
  }
  SourcePos pos(const toml::node& n) const { return pos(n.source()); }
  SourcePos pos(const toml::key& k) const { return pos(k.source()); }

  void error(SourcePos p, std::string msg, std::string hint = {}) {
    errors_.push_back({std::move(p), std::move(msg), std::move(hint)});
  }

  // Unknown keys are almost always typos; say which known key was meant.
  void check_keys(const toml::table& t, const std::vector<std::string>& known, const std::string& where) {
    for (auto&& [k, v] : t) {
      std::string name(k.str());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string guess = closest_match(name, known);
      std::string hint = guess.empty() ? "known keys here: " + join(known, ", ")
                                       : "did you mean \"" + guess + "\"?";
      error(pos(k), "unknown key \"" + name + "\" in " + where, hint);
    }
  }

  const std::string* get_string(const toml::table& t, const char* key, const std::string& where,
                                bool required) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) error(pos(t), "missing key \"" + std::string(key) + "\" in " + where,
                          "add `" + std::string(key) + " = \"...\"` to " + where);
      return nullptr;
    }
    if (auto s = n->as_string()) return &s->get();
    error(pos(*n), "\"" + std::string(key) + "\" in " + where + " must be a string, not " + type_name(n->type()));
    return nullptr;
  }

  std::optional<std::vector<std::string>> get_string_array(const toml::table& t, const char* key,
                                                           const std::string& where,
                                                           std::vector<SourcePos>* positions = nullptr) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const toml::array* arr = n->as_array();
    if (!arr) {
      error(pos(*n), "\"" + std::string(key) + "\" in " + where + " must be an array of strings, not " +
                         type_name(n->type()),
            "write it as " + std::string(key) + " = [\"...\"]");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& el : *arr) {
      if (auto s = el.as_string()) {
        out.push_back(s->get());
        if (positions) positions->push_back(pos(el));
      } else {
        error(pos(el), "every entry of \"" + std::string(key) + "\" in " + where + " must be a string, not " +
                           type_name(el.type()));
      }
    }
    return out;
  }

  std::vector<ManifestError> take() { return std::move(errors_); }
  std::vector<ManifestError>* errors() { return &errors_; }
  bool ok() const { return errors_.empty(); }

 private:
  std::string display_;
  std::vector<ManifestError> errors_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool valid_service_name(const std::string& n) {
  static const std::regex re("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");
  return std::regex_match(n, re);
}

}  // namespace

namespace {

// Walks the document one table at a time (as ninja's parser has one function per construct),
// collecting every error with its position so one run reports them all.
class ManifestParser {
 public:
  ManifestParser(const fs::path& file, std::string display, const std::string& bytes, toml::table doc,
                 const std::vector<const ManifestKind*>& kinds, MissingDirs* missing_dirs)
      : display(display), L(std::move(display)), doc(std::move(doc)), kinds(kinds), missing_dirs(missing_dirs) {
    m.file = file;
    m.dir = fs::absolute(file).parent_path();
    m.checksum = sha256_hex(bytes);
  }

  Manifest parse() {
    L.check_keys(doc, {"project", "runners", "services", "rls", "targets", "targets_from", "rollout", "lint", "rehearsal"},
                 "the manifest");
    project();
    runners();
    services();
    rls();
    targets();
    targets_from();
    rollout();
    lint();
    rehearsal();
    return finish();
  }

 private:
  void project() {
    if (const toml::node* pn = doc.get("project"); !pn) {
      L.error(SourcePos{display, 1, 1}, "missing [project] table",
              "add:\n    [project]\n    name = \"myproduct\"\n    database = \"env:DATABASE_URL\"");
    } else if (const toml::table* p = pn->as_table(); !p) {
      L.error(L.pos(*pn), "\"project\" must be a table");
    } else {
      L.check_keys(*p, {"name", "database", "max_parallel", "lock_timeout", "lock_retries", "statement_timeout"},
                   "[project]");
      lock_policy(*p, "[project]", m.locks);
      if (auto s = L.get_string(*p, "name", "[project]", true)) m.project_name = *s;
      // With [targets], a default database is optional: every command then needs --target.
      bool targets_declared = doc.get("targets") || doc.get("targets_from");
      if (auto s = L.get_string(*p, "database", "[project]", !targets_declared)) {
        m.database.spec = *s;
        m.database.pos = L.pos(*p->get("database"));
      }
      if (const toml::node* mp = p->get("max_parallel")) {
        auto v = mp->value<int64_t>();
        if (!mp->is_integer() || !v || *v < 1 || *v > 256)
          L.error(L.pos(*mp), "\"max_parallel\" must be a whole number from 1 to 256");
        else
          m.max_parallel = static_cast<int>(*v);
      }
    }
  }

  // [runners.KIND]: defaults shared by every service of that kind, read by the kind.
  void runners() {
    const toml::node* rn = doc.get("runners");
    if (!rn) return;
    const toml::table* rt = rn->as_table();
    if (!rt) return L.error(L.pos(*rn), "\"runners\" must be a table");
    L.check_keys(*rt, kind_names(), "[runners]");
    for (auto&& [k, v] : *rt) {
      std::string name(k.str());
      const toml::table* t = v.as_table();
      if (!t) {
        L.error(L.pos(v), "[runners." + name + "] must be a table");
        continue;
      }
      const ManifestKind* kind = find_kind(name);
      if (!kind) continue;  // check_keys said so
      ManifestAttrs attrs = attrs_of(*t, "[runners." + name + "]", "");
      kind->check_defaults(attrs, kinds, diagnostics);
      runner_tables[name] = std::move(attrs);
    }
  }

  void services() {
    if (const toml::node* sn = doc.get("services")) {
      services_table = sn->as_table();
      if (!services_table) L.error(L.pos(*sn), "\"services\" must be a table of [services.NAME] tables");
    } else {
      L.error(SourcePos{display, 1, 1}, "no services declared",
              "add a [services.NAME] table for each service, with schema, runner and path");
    }
    if (!services_table) return;
    for (auto&& [k, v] : *services_table) service(k, v);
  }

  void service(const toml::key& k, const toml::node& v) {
    ServiceSpec s;
    s.name = std::string(k.str());
    s.pos = L.pos(k);
    const std::string where = "[services." + s.name + "]";
    const toml::table* t = v.as_table();
    if (!t) {
      L.error(L.pos(v), where + " must be a table");
      return;
    }
    if (!valid_service_name(s.name))
      L.error(s.pos, "service name \"" + s.name + "\" may hold only letters, digits, '_', '-' and '.'");
    const ManifestKind* kind = service_kind(*t, s, where);
    if (auto sc = L.get_string(*t, "schema", where, true)) {
      s.schema = *sc;
      if (s.schema.empty()) L.error(L.pos(*t->get("schema")), "\"schema\" must not be empty");
      identifier_length(L.pos(*t->get("schema")), "\"schema\" of service " + s.name, s.schema);
    }
    service_path(*t, s, where, !kind || kind->needs_path());
    service_options(*t, s, where);
    s.locks = m.locks;  // [project] is read before [services]
    lock_policy(*t, where, s.locks);
    service_versions(*t, s, where);
    // The keys no parser here reads are its kind's; an unknown runner's are only checked for typos.
    ManifestAttrs attrs = attrs_of(*t, where, s.name);
    if (kind) {
      static const ManifestAttrs none;
      auto defaults = runner_tables.find(s.runner);
      kind->configure(s, KindInput{attrs, defaults == runner_tables.end() ? none : defaults->second, m.dir, kinds, &memo},
                      diagnostics);
    } else {
      check_kind_keys(nullptr, attrs, false, kinds, diagnostics);
    }
    m.services.push_back(std::move(s));
  }

  // `runner`: the registered kind that reads the rest; an unknown one gets one error (null), not the
  // checks of a kind it does not name as well. A missing one is alembic, as it has always been.
  const ManifestKind* service_kind(const toml::table& t, ServiceSpec& s, const std::string& where) {
    const std::string* r = L.get_string(t, "runner", where, true);
    if (r) s.runner = *r;
    if (const ManifestKind* kind = find_kind(s.runner)) return kind;
    std::string guess = closest_match(s.runner, kind_names());
    const toml::node* rn = t.get("runner");
    L.error(rn ? L.pos(*rn) : s.pos, "unknown runner \"" + s.runner + "\" for service " + s.name,
            guess.empty() ? "use one of: " + join(kind_names(), ", ") : "did you mean \"" + guess + "\"?");
    return nullptr;
  }

  void service_path(const toml::table& t, ServiceSpec& s, const std::string& where, bool required) {
    if (auto p = L.get_string(t, "path", where, required)) {
      s.path_text = *p;
      s.path_pos = L.pos(*t.get("path"));
      s.path = fs::path(*p).is_absolute() ? fs::path(*p) : m.dir / *p;
      s.path = s.path.lexically_normal();
      if (!fs::is_directory(s.path, ec)) {
        const std::string guess = closest_sibling_dir(s.path, *p);
        ManifestError e{s.path_pos,
                        "path \"" + *p + "\" of service " + s.name + " is not a directory (looked in " + s.path.string() + ")",
                        guess.empty() ? "paths are relative to the manifest's directory; create it or correct the path"
                                      : "did you mean \"" + guess + "\"? (paths are relative to the manifest's directory)"};
        if (missing_dirs) (*missing_dirs)[s.name] = e;
        else L.error(e.pos, e.message, e.hint);
      }
    } else if (!required) {
      s.path = m.dir;
    }
  }

  // depends_on, env, timeout and exclusive of one [services.NAME].
  void service_options(const toml::table& tt, ServiceSpec& s, const std::string& where) {
    const toml::table* t = &tt;
    if (auto deps = L.get_string_array(*t, "depends_on", where, &s.depends_on_pos)) s.depends_on = *deps;

    if (const toml::node* en = t->get("env")) {
      if (const toml::table* et = en->as_table()) {
        for (auto&& [ek, evv] : *et) {
          if (auto es = evv.as_string())
            s.env.emplace_back(std::string(ek.str()), es->get());
          else
            L.error(L.pos(evv), "environment value \"" + std::string(ek.str()) + "\" must be a string");
        }
      } else {
        L.error(L.pos(*en), "\"env\" in " + where + " must be a table", "write env = { NAME = \"value\" }");
      }
    }
    if (const toml::node* tn = t->get("timeout")) {
      if (auto d = positive_duration(*tn, "\"timeout\"")) s.timeout = d;
    }
    if (const toml::node* xn = t->get("exclusive")) {
      if (auto b = xn->as_boolean())
        s.exclusive = b->get();
      else
        L.error(L.pos(*xn), "\"exclusive\" must be true or false");
    }
  }

  // Its RLS files and where its versions live, so status can read them without starting the tool.
  void service_versions(const toml::table& tt, ServiceSpec& s, const std::string& where) {
    const toml::table* t = &tt;
    std::vector<SourcePos> rls_pos;
    if (auto files = L.get_string_array(*t, "rls", where, &rls_pos)) {
      const toml::array& arr = *t->get("rls")->as_array();
      for (size_t i = 0; i < files->size(); ++i) {
        s.rls.push_back(manifest_file(arr[i], (*files)[i], "RLS file"));
        s.rls_text.push_back((*files)[i]);
      }
    }
    // Where the version information lives, so status can read it without starting the tool; without
    // version_table, the kind's default (configure).
    s.version_schema = s.schema;
    if (auto vt = L.get_string(*t, "version_table", where, false)) {
      // `name` or `schema.name`, each part a non-empty identifier (PostgreSQL truncates past 63 bytes).
      auto parts = split(*vt, '.');
      bool valid = (parts.size() == 1 || parts.size() == 2) &&
                   std::all_of(parts.begin(), parts.end(), [](const std::string& p) { return !p.empty() && p.size() <= 63; });
      if (!valid) {
        L.error(L.pos(*t->get("version_table")), "\"version_table\" \"" + *vt + "\" must be NAME or SCHEMA.NAME",
                "for example version_table = \"alembic_version\" or \"" + s.schema + ".alembic_version\"");
      } else if (parts.size() == 1) {
        s.version_table = parts[0];
      } else {
        s.version_schema = parts[0];
        s.version_table = parts[1];
      }
    }
  }

  void rls() {
    m.rls.lock_timeout = m.locks.lock_timeout.value_or(Millis(30000));
    m.rls.lock_retries = m.locks.lock_retries;
    if (const toml::node* rn = doc.get("rls")) {
      if (const toml::table* rt = rn->as_table()) {
        L.check_keys(*rt, {"files", "require", "exclude", "force", "policy", "lock_timeout", "lock_retries"}, "[rls]");
        if (auto n = lock_retries(*rt, "[rls]")) m.rls.lock_retries = *n;
        if (const toml::node* ln = rt->get("lock_timeout")) {
          if (auto d = positive_duration(*ln, "\"lock_timeout\" in [rls]")) m.rls.lock_timeout = *d;
        }
        if (auto files = L.get_string_array(*rt, "files", "[rls]")) {
          const toml::array& arr = *rt->get("files")->as_array();
          for (size_t i = 0; i < files->size(); ++i) {
            m.rls.files.push_back(manifest_file(arr[i], (*files)[i], "RLS file"));
            m.rls.files_text.push_back((*files)[i]);
          }
        }
        std::vector<SourcePos> req_pos;
        if (auto v = L.get_string_array(*rt, "require", "[rls]", &req_pos)) {
          m.rls.require = *v;
          for (size_t i = 0; i < v->size(); ++i) identifier_length(req_pos[i], "[rls] require entry", (*v)[i]);
        }
        std::vector<SourcePos> ex_pos;
        if (auto v = L.get_string_array(*rt, "exclude", "[rls]", &ex_pos)) {
          m.rls.exclude = *v;
          for (size_t i = 0; i < v->size(); ++i) {
            if ((*v)[i].find('.') == std::string::npos)
              L.error(ex_pos[i], "exclude entry \"" + (*v)[i] + "\" must be schema.table",
                      "for example \"habits.lookup_codes\"");
            for (const auto& part : split((*v)[i], '.')) identifier_length(ex_pos[i], "[rls] exclude entry", part);
          }
        }
        if (const toml::node* fn = rt->get("force")) {
          if (auto b = fn->as_boolean())
            m.rls.force = b->get();
          else
            L.error(L.pos(*fn), "\"force\" in [rls] must be true or false");
        }
        if (const toml::node* pn = rt->get("policy")) {
          const toml::array* arr = pn->as_array();
          if (!arr) L.error(L.pos(*pn), "policies are written as [[rls.policy]] tables");
          for (size_t i = 0; arr && i < arr->size(); ++i) policy((*arr)[i]);
        }
      } else {
        L.error(L.pos(*rn), "\"rls\" must be a table");
      }
    }
  }

  // [lint]: rule names, checked against the linter's own list so a typo is not a rule silently ignored.
  void lint() {
    const toml::node* ln = doc.get("lint");
    if (!ln) return;
    const toml::table* lt = ln->as_table();
    if (!lt) return L.error(L.pos(*ln), "\"lint\" must be a table");
    L.check_keys(*lt, {"deny", "allow"}, "[lint]");
    std::vector<std::string> known;
    for (const auto& r : lint_rules()) known.push_back(r.id);
    for (auto [key, into] : {std::pair{"deny", &m.lint.deny}, std::pair{"allow", &m.lint.allow}}) {
      std::vector<SourcePos> positions;
      auto names = L.get_string_array(*lt, key, "[lint]", &positions);
      if (!names) continue;
      for (size_t i = 0; i < names->size(); ++i) {
        if (find_lint_rule((*names)[i])) into->push_back((*names)[i]);
        else {
          std::string guess = closest_match((*names)[i], known);
          L.error(positions[i], "unknown lint rule \"" + (*names)[i] + "\" in [lint] " + key,
                  guess.empty() ? "docs/lint.md lists the rules" : "did you mean \"" + guess + "\"?");
        }
      }
    }
  }

  // [rehearsal] data = ["schema.table", ...], server = "env:...", before_rollout = true|false.
  void rehearsal() {
    const toml::node* rn = doc.get("rehearsal");
    if (!rn) return;
    const toml::table* rt = rn->as_table();
    if (!rt) return L.error(L.pos(*rn), "\"rehearsal\" must be a table");
    L.check_keys(*rt, {"data", "server", "before_rollout"}, "[rehearsal]");
    std::vector<SourcePos> positions;
    if (auto names = L.get_string_array(*rt, "data", "[rehearsal]", &positions)) {
      for (size_t i = 0; i < names->size(); ++i) {
        const std::string& n = (*names)[i];
        auto dot = n.find('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == n.size() || n.find('.', dot + 1) != std::string::npos)
          L.error(positions[i], "[rehearsal] data entry \"" + n + "\" must be schema.table", "for example \"meals.meals\"");
        else {
          m.rehearsal.data.push_back(n);
          m.rehearsal.data_pos.push_back(positions[i]);
        }
      }
    }
    if (const std::string* server = L.get_string(*rt, "server", "[rehearsal]", false))
      m.rehearsal.server = DatabaseRef{*server, L.pos(*rt->get("server")), "server"};
    if (const toml::node* b = rt->get("before_rollout")) {
      if (auto v = b->value<bool>(); v && b->is_boolean()) m.rehearsal.before_rollout = *v;
      else L.error(L.pos(*b), "\"before_rollout\" in [rehearsal] must be true or false");
    }
  }

  // One [[rls.policy]]: what it covers, for whom, and its expressions.
  void policy(const toml::node& node) {
    const toml::table* pt = node.as_table();
    if (!pt) {
      L.error(L.pos(node), "each [[rls.policy]] must be a table");
      return;
    }
    const std::string where = "[[rls.policy]]";
    L.check_keys(*pt, {"name", "schemas", "when_column", "command", "roles", "using", "with_check"}, where);
    PolicySpec ps;
    ps.pos = L.pos(*pt);
    if (auto v = L.get_string(*pt, "name", where, true)) {
      ps.name = *v;
      identifier_length(L.pos(*pt->get("name")), "[[rls.policy]] name", ps.name);
    }
    std::vector<SourcePos> schema_pos;
    if (auto v = L.get_string_array(*pt, "schemas", where, &schema_pos)) ps.schemas = *v;
    if (ps.schemas.empty())
      L.error(ps.pos, "[[rls.policy]] " + ps.name + " names no schemas", "add schemas = [\"...\"]");
    for (size_t i = 0; i < ps.schemas.size() && i < schema_pos.size(); ++i)
      identifier_length(schema_pos[i], "schema of [[rls.policy]] " + ps.name, ps.schemas[i]);
    if (auto v = L.get_string(*pt, "when_column", where, false)) {
      ps.when_column = *v;
      identifier_length(L.pos(*pt->get("when_column")), "\"when_column\" of [[rls.policy]] " + ps.name, *v);
    }
    if (auto v = L.get_string(*pt, "command", where, false)) {
      ps.command = *v;
      for (auto& c : ps.command) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      static const std::vector<std::string> cmds = {"ALL", "SELECT", "INSERT", "UPDATE", "DELETE"};
      if (std::find(cmds.begin(), cmds.end(), ps.command) == cmds.end())
        L.error(L.pos(*pt->get("command")), "unknown policy command \"" + *v + "\"",
                "use one of: ALL, SELECT, INSERT, UPDATE, DELETE");
    }
    std::vector<SourcePos> role_pos;
    if (auto v = L.get_string_array(*pt, "roles", where, &role_pos)) ps.roles = *v;
    for (size_t i = 0; i < ps.roles.size() && i < role_pos.size(); ++i)
      identifier_length(role_pos[i], "role of [[rls.policy]] " + ps.name, ps.roles[i]);
    // Spliced into CREATE POLICY: each must be one expression, never statements of its own.
    for (auto [key, dst] : {std::pair<const char*, std::string*>{"using", &ps.using_expr}, {"with_check", &ps.with_check}})
      if (auto v = L.get_string(*pt, key, where, false)) {
        if (auto valid = check_expression(*v); !valid)
          L.error(L.pos(*pt->get(key)), "\"" + std::string(key) + "\" of [[rls.policy]] " + ps.name + " is " +
                                            valid.error().message,
                  "write one boolean expression, e.g. user_id = auth.uid()");
        *dst = *v;  // kept, so no second error says the policy has neither
      }
    if (ps.command == "INSERT" && !ps.using_expr.empty())
      L.error(L.pos(*pt->get("using")), "an INSERT policy takes only with_check, not using");
    if ((ps.command == "SELECT" || ps.command == "DELETE") && !ps.with_check.empty())
      L.error(L.pos(*pt->get("with_check")), "a " + ps.command + " policy takes only using, not with_check");
    if (ps.using_expr.empty() && ps.with_check.empty())
      L.error(ps.pos, "[[rls.policy]] " + ps.name + " has neither using nor with_check",
              "add using = \"...\" (and with_check for ALL, INSERT, UPDATE)");
    m.rls.policies.push_back(std::move(ps));
  }

  void targets() {
    if (const toml::node* tn = doc.get("targets")) {
      if (const toml::table* tt = tn->as_table()) {
        for (auto&& [k, v] : *tt) {
          TargetSpec t;
          t.name = std::string(k.str());
          t.pos = L.pos(k);
          const std::string where = "[targets." + t.name + "]";
          const toml::table* body = v.as_table();
          if (!body) {
            L.error(L.pos(v), where + " must be a table");
            continue;
          }
          if (t.name == "all" || t.name == "default")
            L.error(t.pos, "\"" + t.name + "\" is reserved and cannot name a target", "choose another name");
          L.check_keys(*body, {"database", "protected"}, where);
          if (auto d = L.get_string(*body, "database", where, true)) t.database = {*d, L.pos(*body->get("database"))};
          if (const toml::node* pn = body->get("protected")) {
            if (auto b = pn->as_boolean())
              t.is_protected = b->get();
            else
              L.error(L.pos(*pn), "\"protected\" must be true or false");
          }
          m.targets.push_back(std::move(t));
        }
        std::stable_sort(m.targets.begin(), m.targets.end(),
                         [](const TargetSpec& a, const TargetSpec& b) { return a.pos.line < b.pos.line; });
      } else {
        L.error(L.pos(*tn), "\"targets\" must be a table of [targets.NAME] tables");
      }
    }
  }

  void targets_from() {
    if (const toml::node* fn = doc.get("targets_from")) {
      if (const toml::table* ft = fn->as_table()) {
        L.check_keys(*ft, {"file", "query", "database", "protected"}, "[targets_from]");
        TargetsFrom tf;
        tf.pos = L.pos(*ft);
        if (auto f = L.get_string(*ft, "file", "[targets_from]", false)) {
          tf.file_text = *f;
          tf.file = manifest_file(*ft->get("file"), *f, "targets file");
        }
        if (auto q = L.get_string(*ft, "query", "[targets_from]", false)) tf.query = *q;
        if (auto d = L.get_string(*ft, "database", "[targets_from]", false))
          tf.control = {*d, L.pos(*ft->get("database"))};
        if (const toml::node* pn = ft->get("protected")) {
          if (auto b = pn->as_boolean())
            tf.is_protected = b->get();
          else
            L.error(L.pos(*pn), "\"protected\" must be true or false");
        }
        if (tf.file_text.empty() == tf.query.empty())
          L.error(tf.pos, "[targets_from] needs exactly one of file or query",
                  "file = \"tenants.txt\" (name=URL per line) or query = \"SELECT name, url FROM tenants\"");
        m.targets_from = tf;
      } else {
        L.error(L.pos(*fn), "\"targets_from\" must be a table");
      }
    }
  }

  void rollout() {
    if (const toml::node* rn = doc.get("rollout")) {
      const toml::table* rt = rn->as_table();
      const toml::node* wn = rt ? rt->get("wave") : nullptr;
      if (rt) L.check_keys(*rt, {"wave", "state"}, "[rollout]");
      if (rt)
        if (const std::string* state = L.get_string(*rt, "state", "[rollout]", false))
          m.rollout_state = DatabaseRef{*state, L.pos(*rt->get("state")), "state"};
      const toml::array* waves = wn ? wn->as_array() : nullptr;
      if (!waves) {
        L.error(L.pos(*rn), "rollout waves are written as [[rollout.wave]] tables");
      } else {
        for (const auto& wv : *waves) {
          const toml::table* w = wv.as_table();
          if (!w) continue;
          RolloutWave rw;
          rw.pos = L.pos(*w);
          L.check_keys(*w, {"name", "targets", "max_parallel", "max_failures"}, "[[rollout.wave]]");
          if (auto n = L.get_string(*w, "name", "[[rollout.wave]]", true)) rw.name = *n;
          std::vector<SourcePos> tpos;
          if (auto t = L.get_string_array(*w, "targets", "[[rollout.wave]]", &tpos)) {
            rw.targets = *t;
            for (size_t i = 0; i < t->size(); ++i) {
              const std::string& name = (*t)[i];
              if (name.find('*') != std::string::npos) continue;
              bool known =
                  std::any_of(m.targets.begin(), m.targets.end(), [&](const TargetSpec& x) { return x.name == name; });
              if (!known && !m.targets_from) {
                std::vector<std::string> names;
                for (const auto& x : m.targets) names.push_back(x.name);
                std::string guess = closest_match(name, names);
                L.error(tpos[i],
                        "rollout wave \"" + rw.name + "\" names target \"" + name + "\", which is not declared",
                        guess.empty() ? "declare it as [targets." + name + "]" : "did you mean \"" + guess + "\"?");
              }
            }
          }
          if (rw.targets.empty()) L.error(rw.pos, "rollout wave \"" + rw.name + "\" has no targets");
          for (auto [key, dst, lo] : {std::tuple<const char*, int*, int>{"max_parallel", &rw.max_parallel, 1},
                                      std::tuple<const char*, int*, int>{"max_failures", &rw.max_failures, 0}}) {
            if (const toml::node* n = w->get(key)) {
              auto v = n->value<int64_t>();
              if (!n->is_integer() || !v || *v < lo || *v > 10000)
                L.error(L.pos(*n),
                        "\"" + std::string(key) + "\" must be a whole number from " + std::to_string(lo) + " to 10000");
              else
                *dst = static_cast<int>(*v);
            }
          }
          m.rollout.push_back(std::move(rw));
        }
      }
    }
  }

  Manifest finish() {
    // toml++ keeps tables sorted by key; people read the file top to bottom, so keep that order.
    std::stable_sort(m.services.begin(), m.services.end(),
                     [](const ServiceSpec& a, const ServiceSpec& b) { return a.pos.line < b.pos.line; });

    // depends_on names must exist; then the graph must be acyclic.
    std::set<std::string> names;
    for (const auto& s : m.services) names.insert(s.name);
    std::vector<std::string> name_list(names.begin(), names.end());
    bool deps_ok = true;
    for (const auto& s : m.services) {
      for (size_t i = 0; i < s.depends_on.size(); ++i) {
        const auto& d = s.depends_on[i];
        if (names.count(d) && d != s.name) continue;
        deps_ok = false;
        if (d == s.name) {
          L.error(s.depends_on_pos[i], "service " + s.name + " depends on itself",
                  "remove \"" + d + "\" from depends_on");
          continue;
        }
        std::string guess = closest_match(d, name_list);
        L.error(s.depends_on_pos[i], "service " + s.name + " depends on \"" + d + "\", which is not a service",
                guess.empty() ? "declared services: " + join(name_list, ", ") : "did you mean \"" + guess + "\"?");
      }
    }
    if (deps_ok && !m.services.empty()) {
      m.graph = std::make_shared<const ServiceGraph>(m.services);
      if (auto cycle = m.graph->find_cycle(); !cycle.empty()) {
        const ServiceSpec* first = m.find(cycle.front());
        SourcePos at = first->pos;
        for (size_t i = 0; i < first->depends_on.size(); ++i)
          if (first->depends_on[i] == cycle[1]) at = first->depends_on_pos[i];
        L.error(at, "dependency cycle: " + join(cycle, " -> "),
                "services must form a DAG; remove one of these depends_on entries");
      }
    }
    if (!L.ok()) throw ManifestErrors(L.take());
    return m;
  }

  // PostgreSQL cuts identifiers to their first 63 bytes (NAMEDATALEN - 1) without a word: two services
  // whose long schemas share those bytes would share one schema and one ledger.
  void identifier_length(const SourcePos& pos, const std::string& what, const std::string& name) {
    constexpr size_t kMaxIdentifierBytes = 63;
    if (name.size() <= kMaxIdentifierBytes) return;
    L.error(pos, what + " \"" + name + "\" is " + std::to_string(name.size()) +
                     " bytes; PostgreSQL keeps only the first 63, so longer names that share them would name one object",
            "shorten it to at most 63 bytes (UTF-8)");
  }

  // lock_timeout / statement_timeout ("off" or a duration) and lock_retries (0 to 100), over `into`.
  void lock_policy(const toml::table& t, const std::string& where, LockPolicy& into) {
    for (auto [key, dst] : {std::pair<const char*, std::optional<Millis>*>{"lock_timeout", &into.lock_timeout},
                            {"statement_timeout", &into.statement_timeout}}) {
      const toml::node* n = t.get(key);
      if (!n) continue;
      if (auto text = n->as_string(); text && text->get() == "off") *dst = std::nullopt;
      else if (auto d = positive_duration(*n, "\"" + std::string(key) + "\" in " + where)) *dst = d;
    }
    if (auto n = lock_retries(t, where)) into.lock_retries = *n;
  }

  // lock_retries: a whole number from 0 to 100, or an error at its position.
  std::optional<int> lock_retries(const toml::table& t, const std::string& where) {
    const toml::node* n = t.get("lock_retries");
    if (!n) return std::nullopt;
    auto v = n->value<int64_t>();
    if (n->is_integer() && v && *v >= 0 && *v <= 100) return static_cast<int>(*v);
    L.error(L.pos(*n), "\"lock_retries\" in " + where + " must be a whole number from 0 to 100");
    return std::nullopt;
  }

  // A duration value ("90s", or a whole number of seconds) above zero and at most 7 days; an error at
  // its position otherwise.
  std::optional<Millis> positive_duration(const toml::node& n, const std::string& what) {
    Result<Millis> d = Error{what + " must be a duration such as \"90s\", \"10m\" or \"1h\""};
    if (auto text = n.as_string()) {
      d = read_duration(text->get());
    } else if (auto secs = n.as_integer()) {
      auto v = secs->get();
      d = v >= 0 && v <= kMaxDuration.count() / 1000 ? Result<Millis>(Millis(v * 1000))
                                                       : Result<Millis>(Error{"is longer than the maximum of 7 days"});
    }
    if (d && d->count() > 0) return *d;
    L.error(L.pos(n), d ? what + " must be more than zero" : what + ": " + d.error().message,
            "write a duration such as \"90s\", \"10m\" or \"1h\" (at most 7 days)");
    return std::nullopt;
  }

  // A file the manifest names must exist now, not halfway through a run.
  fs::path manifest_file(const toml::node& n, const std::string& text, const std::string& what) {
    fs::path p = fs::path(text).is_absolute() ? fs::path(text) : m.dir / text;
    if (!fs::is_regular_file(p, ec))
      L.error(L.pos(n), what + " \"" + text + "\" not found (looked in " + p.lexically_normal().string() + ")",
              "paths are relative to the manifest's directory");
    return p.lexically_normal();
  }

  const std::string display;
  Loader L;
  toml::table doc;
  Manifest m;
  std::error_code ec;
  const toml::table* services_table = nullptr;
  const std::vector<const ManifestKind*>& kinds;
  MissingDirs* const missing_dirs;  // null: a directory that is gone is an error
  ManifestDiagnostics diagnostics = ManifestDiagnostics(L.errors());
  std::map<std::string, ManifestAttrs> runner_tables;  // [runners.KIND], by kind
  std::map<std::string, std::string> memo;             // the kinds' answers for this load

  const ManifestKind* find_kind(const std::string& name) const {
    for (const auto* k : kinds)
      if (k->name() == name) return k;
    return nullptr;
  }
  std::vector<std::string> kind_names() const {
    std::vector<std::string> names;
    for (const auto* k : kinds) names.push_back(k->name());
    return names;
  }

  // The keys of `t` that are not common to every service (all of them for a [runners.KIND] table), as
  // written, for the kind.
  ManifestAttrs attrs_of(const toml::table& t, const std::string& where, const std::string& service) const {
    ManifestAttrs out{where, service, L.pos(t), {}};
    const auto& common = common_service_keys();
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      if (!service.empty() && std::find(common.begin(), common.end(), key) != common.end()) continue;
      out.attrs.push_back({key, L.pos(k), value_of(v)});
    }
    return out;
  }
  ManifestValue value_of(const toml::node& n) const {
    ManifestValue v{type_name(n.type()), L.pos(n), std::nullopt, {}};
    if (auto s = n.as_string()) v.text = s->get();
    if (auto a = n.as_array())
      for (const auto& el : *a) v.items.push_back(value_of(el));
    return v;
  }
};

}  // namespace

namespace {

Manifest parse_keeping(const std::string& bytes, const fs::path& file, const std::vector<const ManifestKind*>& kinds,
                       MissingDirs* missing_dirs);

Manifest load_keeping(const fs::path& file, const std::vector<const ManifestKind*>& kinds, MissingDirs* missing_dirs) {
  const std::string display = file.string();
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    throw ManifestErrors({{SourcePos{display}, "manifest not found",
                           "run from the directory that holds services.toml, or pass -f PATH"}});
  }
  return parse_keeping(read_file(file), file, kinds, missing_dirs);
}

Manifest parse_keeping(const std::string& bytes, const fs::path& file, const std::vector<const ManifestKind*>& kinds,
                       MissingDirs* missing_dirs) {
  const std::string display = file.string();
  Loader L(display);
  toml::table doc;
  try {
    doc = toml::parse(bytes, display);
  } catch (const toml::parse_error& e) {
    throw ManifestErrors({{L.pos(e.source()), "TOML syntax: " + std::string(e.description()),
                           "fix the syntax at this position (see https://toml.io for the format)"}});
  }

  return ManifestParser(file, display, bytes, std::move(doc), kinds, missing_dirs).parse();
}

}  // namespace

Manifest load_manifest(const fs::path& file, const std::vector<const ManifestKind*>& kinds) {
  return load_keeping(file, kinds, nullptr);
}

Manifest parse_manifest(const std::string& bytes, const fs::path& file, const std::vector<const ManifestKind*>& kinds) {
  return parse_keeping(bytes, file, kinds, nullptr);
}

Manifest load_manifest_keeping_missing_dirs(const fs::path& file, const std::vector<const ManifestKind*>& kinds,
                                            MissingDirs& missing) {
  missing.clear();
  return load_keeping(file, kinds, &missing);
}

}  // namespace orch

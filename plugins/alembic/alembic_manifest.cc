#include "alembic/alembic_manifest.h"

#include "alembic/python_choice.h"
#include "manifest/manifest.h"

namespace fs = std::filesystem;

namespace orch {

namespace {

// target = "heads" | "head" | "<branch>@head" | "<revision>": its form here; whether the branch or
// revision exists is for `check` and `status`, which read the revision files.
void read_target(ServiceSpec& s, const ManifestAttrs& t, ManifestDiagnostics& errors) {
  const std::string* v = errors.string(t, "target");
  if (!v) return;
  s.target = *v;
  s.target_pos = t.find("target")->value.pos;
  const std::string example = "target = \"heads\", \"head\", \"expand@head\" or a revision id";
  auto at = v->find('@');
  if (v->empty() || v->find_first_of(" \t:,") != std::string::npos)
    return errors.error(s.target_pos, "\"target\" \"" + *v + "\" of service " + s.name + " is not one revision",
                        "write " + example + " (ranges belong to `alembic upgrade --sql`, not to up)");
  if (*v == "base" || v->find_first_of("+-") != std::string::npos)
    return errors.error(s.target_pos, "\"target\" \"" + *v + "\" of service " + s.name + " is not something up can upgrade to",
                        "write " + example + "; going back is `orchestrate down`");
  if (at != std::string::npos && (at == 0 || v->substr(at) != "@head"))
    return errors.error(s.target_pos, "\"target\" \"" + *v + "\" of service " + s.name + " names a branch but not its head",
                        "write \"" + (at == 0 ? std::string("BRANCH") : v->substr(0, at)) + "@head\"");
}

// The ini file must be in the service's folder now, not halfway through a run.
void read_config(ServiceSpec& s, const ManifestAttrs& t, ManifestDiagnostics& errors) {
  if (const std::string* c = errors.string(t, "config")) s.config = *c;
  std::error_code ec;
  if (s.path_text.empty() || !fs::is_directory(s.path, ec) || fs::exists(s.path / s.config, ec)) return;
  const ManifestAttr* given = t.find("config");
  errors.error(given ? given->value.pos : s.path_pos, "alembic config \"" + s.config + "\" not found in " + s.path_text,
               "point `path` at the directory that holds alembic.ini, or set `config` to its file name");
}

}  // namespace

void AlembicManifest::read_defaults(const ManifestAttrs& table, ManifestDiagnostics& errors) const {
  check_default_command(table, errors);
  errors.string(table, "python");
}

void AlembicManifest::read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const {
  read_config(s, in.service, errors);
  s.command = configured_command(in, errors, {"python3", "-m", "alembic"});
  // Without a command of its own, the service's python (else [runners.alembic]'s) runs Alembic.
  if (!in.service.find("command")) {
    auto quiet = ManifestDiagnostics::quiet();  // [runners.alembic] was checked once
    const ManifestAttrs* from = &in.service;
    const std::string* choice = errors.string(in.service, "python");
    if (!choice && !in.service.find("python")) {
      choice = quiet.string(in.defaults, "python");
      from = &in.defaults;
    }
    if (choice && !choice->empty()) {
      std::string exe = resolve_python(s, *choice, from->find("python")->value.pos, in.dir, in.memo, errors);
      if (!exe.empty()) {
        s.python = exe;
        s.command = {exe, "-m", "alembic"};
      }
    }
  }
  read_target(s, in.service, errors);
  default_version_table(s, s.schema, "alembic_version");
}

}  // namespace orch

#include "manifest/manifest_kind.h"

#include <algorithm>

#include "manifest/manifest.h"
#include "util/text.h"

namespace orch {

const ManifestAttr* ManifestAttrs::find(const std::string& key) const {
  for (const auto& a : attrs)
    if (a.key == key) return &a;
  return nullptr;
}

void ManifestDiagnostics::error(SourcePos pos, std::string message, std::string hint) {
  if (into_) into_->push_back({std::move(pos), std::move(message), std::move(hint)});
}

const std::string* ManifestDiagnostics::string(const ManifestAttrs& t, const std::string& key) {
  const ManifestAttr* a = t.find(key);
  if (!a) return nullptr;
  if (a->value.text) return &*a->value.text;
  error(a->value.pos, "\"" + key + "\" in " + t.where + " must be a string, not " + a->value.type);
  return nullptr;
}

std::optional<std::vector<std::string>> ManifestDiagnostics::strings(const ManifestAttrs& t, const std::string& key) {
  const ManifestAttr* a = t.find(key);
  if (!a) return std::nullopt;
  if (a->value.type != "an array") {
    error(a->value.pos, "\"" + key + "\" in " + t.where + " must be an array of strings, not " + a->value.type,
          "write it as " + key + " = [\"...\"]");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& el : a->value.items) {
    if (el.text)
      out.push_back(*el.text);
    else
      error(el.pos, "every entry of \"" + key + "\" in " + t.where + " must be a string, not " + el.type);
  }
  return out;
}

const std::vector<std::string>& common_service_keys() {
  static const std::vector<std::string> keys = {
      "schema", "runner", "path", "depends_on", "env", "timeout", "version_table", "exclusive",
      "rls", "lock_timeout", "lock_retries", "statement_timeout"};
  return keys;
}

namespace {

std::vector<std::string> keys_of(const ManifestKind& k, bool runner_table) {
  return runner_table ? k.runner_keys() : k.service_keys();
}

void add_unique(std::vector<std::string>& into, const std::vector<std::string>& more) {
  for (const auto& k : more)
    if (std::find(into.begin(), into.end(), k) == into.end()) into.push_back(k);
}

}  // namespace

void check_kind_keys(const ManifestKind* self, const ManifestAttrs& t, bool runner_table,
                     const std::vector<const ManifestKind*>& kinds, ManifestDiagnostics& errors) {
  std::vector<std::string> own = self ? keys_of(*self, runner_table) : std::vector<std::string>{};
  // The closest key among every kind's (a typo of another kind's key then learns whose it is); the
  // list of what is known here is this table's own.
  std::vector<std::string> every = runner_table ? std::vector<std::string>{} : common_service_keys();
  std::vector<std::string> here = every;
  add_unique(here, own);
  for (const auto* k : kinds) add_unique(every, keys_of(*k, runner_table));
  if (!self) here = every;
  for (const auto& a : t.attrs) {
    if (std::find(own.begin(), own.end(), a.key) != own.end()) continue;
    std::vector<std::string> readers;  // the kinds that do read it
    for (const auto* k : kinds) {
      auto ks = keys_of(*k, runner_table);
      if (std::find(ks.begin(), ks.end(), a.key) != ks.end()) readers.push_back(k->name());
    }
    if (self && !readers.empty()) {
      const std::string which = "\"" + a.key + "\"" + (runner_table ? " in " + t.where : "") + " applies to " +
                                join(readers, " and ") + " services only";
      errors.error(a.key_pos, runner_table ? which : which + " (" + t.service + " uses the " + self->name() + " runner)",
                   "remove it from " + t.where);
      continue;
    }
    if (!readers.empty()) continue;  // an unknown runner: its own error is enough
    std::string guess = closest_match(a.key, every);
    errors.error(a.key_pos, "unknown key \"" + a.key + "\" in " + t.where,
                 guess.empty() ? "known keys here: " + join(here, ", ") : "did you mean \"" + guess + "\"?");
  }
}

void ManifestKind::check_defaults(const ManifestAttrs& table, const std::vector<const ManifestKind*>& kinds,
                                  ManifestDiagnostics& errors) const {
  check_kind_keys(this, table, true, kinds, errors);
  read_defaults(table, errors);
}

void ManifestKind::configure(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const {
  check_kind_keys(this, in.service, false, in.kinds, errors);
  read_service(s, in, errors);
}

std::vector<std::string> configured_command(const KindInput& in, ManifestDiagnostics& errors,
                                            std::vector<std::string> fallback) {
  if (auto own = errors.strings(in.service, "command")) {
    if (own->empty()) errors.error(in.service.find("command")->value.pos, "\"command\" must not be empty");
    return *own;
  }
  auto quiet = ManifestDiagnostics::quiet();  // check_defaults reported its errors
  if (auto shared = quiet.strings(in.defaults, "command"); shared && !shared->empty()) return *shared;
  return fallback;
}

void check_default_command(const ManifestAttrs& table, ManifestDiagnostics& errors) {
  if (auto cmd = errors.strings(table, "command"); cmd && cmd->empty())
    errors.error(table.find("command")->value.pos, "\"command\" must not be empty");
}

void default_version_table(ServiceSpec& s, const std::string& schema, const std::string& table) {
  if (!s.version_table.empty()) return;
  s.version_schema = schema;
  s.version_table = table;
}

}  // namespace orch

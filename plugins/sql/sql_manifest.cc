#include "sql/sql_manifest.h"

#include <regex>

#include "manifest/manifest.h"

namespace orch {

std::optional<size_t> parse_file_size(const std::string& text) {
  static const std::regex re(R"(^\s*(\d{1,10})\s*(B|KiB|MiB|GiB)?\s*$)");
  std::smatch mt;
  unsigned long long bytes = 0;
  if (std::regex_match(text, mt, re)) {
    const std::string unit = mt[2].str();
    bytes = std::stoull(mt[1].str()) << (unit == "KiB" ? 10 : unit == "MiB" ? 20 : unit == "GiB" ? 30 : 0);
  }
  if (bytes < (1ull << 10) || bytes > (1ull << 30)) return std::nullopt;
  return static_cast<size_t>(bytes);
}

void SqlManifest::read_defaults(const ManifestAttrs& table, ManifestDiagnostics& errors) const {
  check_default_command(table, errors);
  if (const std::string* size = errors.string(table, "max_file_size"); size && !parse_file_size(*size))
    errors.error(table.find("max_file_size")->value.pos,
                 "\"max_file_size\" \"" + *size + "\" must be a size from 1KiB to 1GiB",
                 "for example max_file_size = \"256MiB\"");
}

void SqlManifest::read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const {
  s.command = configured_command(in, errors, {});
  auto quiet = ManifestDiagnostics::quiet();  // [runners.sql] was checked once
  if (const std::string* size = quiet.string(in.defaults, "max_file_size"))
    s.max_file_bytes = parse_file_size(*size).value_or(kDefaultMaxSqlFileBytes);
  default_ledger(s);
}

void SqlManifest::default_ledger(ServiceSpec& s) const { default_version_table(s, s.schema, "orchestrate_migrations"); }

}  // namespace orch

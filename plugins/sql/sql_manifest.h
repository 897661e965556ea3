#pragma once
// What the `sql` kind reads from the manifest: command (kept, as every kind may name one) on a service
// or in [runners.sql], and [runners.sql] max_file_size; its ledger is orchestrate_migrations.
#include <optional>

#include "manifest/manifest_kind.h"

namespace orch {

class SqlManifest final : public ManifestKind {
 public:
  std::string name() const override { return "sql"; }
  std::vector<std::string> service_keys() const override { return {"command"}; }
  std::vector<std::string> runner_keys() const override { return {"command", "max_file_size"}; }

 protected:
  void read_defaults(const ManifestAttrs& table, ManifestDiagnostics& errors) const override;
  void read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const override;
};

// "64MiB": a whole number of B, KiB, MiB or GiB, from 1 KiB to 1 GiB (PostgreSQL takes no larger
// query); nullopt otherwise.
std::optional<size_t> parse_file_size(const std::string& text);

}  // namespace orch

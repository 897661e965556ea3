#pragma once
// What the `alembic` kind reads from the manifest: config (the ini file, which must exist), command,
// python (an interpreter, "venv" or "poetry") and target, on a service or in [runners.alembic].
#include "manifest/manifest_kind.h"

namespace orch {

class AlembicManifest final : public ManifestKind {
 public:
  std::string name() const override { return "alembic"; }
  std::vector<std::string> service_keys() const override { return {"config", "command", "python", "target"}; }
  std::vector<std::string> runner_keys() const override { return {"command", "python"}; }

 protected:
  void read_defaults(const ManifestAttrs& table, ManifestDiagnostics& errors) const override;
  void read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const override;
};

}  // namespace orch

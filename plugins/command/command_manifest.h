#pragma once
// What the `command` kind reads from the manifest: the command it runs (required), on the service or
// in [runners.command]; `path` is optional (the manifest's directory).
#include "manifest/manifest_kind.h"

namespace orch {

class CommandManifest final : public ManifestKind {
 public:
  std::string name() const override { return "command"; }
  std::vector<std::string> service_keys() const override { return {"command"}; }
  std::vector<std::string> runner_keys() const override { return {"command"}; }
  bool needs_path() const override { return false; }

 protected:
  void read_defaults(const ManifestAttrs& table, ManifestDiagnostics& errors) const override {
    check_default_command(table, errors);
  }
  void read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const override;
};

}  // namespace orch

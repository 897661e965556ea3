#pragma once
// The `command` kind: any program, run as it is. orchestrate cannot see its versions, so it has no
// state, no offline SQL, no downgrade and no baseline; only the runner and the probe.
#include "command/command_manifest.h"
#include "migration_kind.h"

namespace orch {

class CommandKind : public MigrationKind {
 public:
  const ManifestKind& manifest() const override { return manifest_; }
  std::unique_ptr<ServiceRunner> make_runner(RunnerContext ctx) const override;
  bool tracks_versions() const override { return false; }
  std::string version_rows_sql(const std::string&) const override { return ""; }
  void read_state(const ServiceSpec& s, const VersionRows& db, ServiceStatus& out) const override;
  Result<std::string> offline_sql(const ServiceSpec& s, const ServiceStatus& st, const std::string& url) const override;
  Status downgrade(const ServiceSpec& s, const std::string& to, StepContext& ctx) const override;
  Status baseline(const ServiceSpec& s, const std::string& to, bool force, StepContext& ctx) const override;
  bool knows_version(const ServiceSpec&, const std::string&) const override { return false; }
  std::vector<Finding> check_files(const ServiceSpec&, const std::filesystem::path&) const override { return {}; }
  ProbeResult probe(const ServiceSpec& s) const override;

 private:
  CommandManifest manifest_;
};

}  // namespace orch

#pragma once
// The `alembic` kind: an Alembic project per service, its revision files read in C++, its upgrades run
// by orchestrate's driver forked from a zygote (up), its other commands as a process (plan --sql, down,
// baseline, the probe).
#include "alembic/alembic_manifest.h"
#include "migration_kind.h"

namespace orch {

class AlembicKind : public MigrationKind {
 public:
  const ManifestKind& manifest() const override { return manifest_; }
  std::unique_ptr<ServiceRunner> make_runner(RunnerContext ctx) const override;
  void prepare(const ServiceSpec& s, const ServiceStatus& st) const override;
  std::string version_rows_sql(const std::string& quoted_rel) const override;
  void read_state(const ServiceSpec& s, const VersionRows& db, ServiceStatus& out) const override;
  Result<std::string> offline_sql(const ServiceSpec& s, const ServiceStatus& st, const std::string& url) const override;
  Result<std::vector<SqlPiece>> offline_pieces(const ServiceSpec& s, const ServiceStatus& st, const std::string& url,
                                               bool squash) const override;
  Result<std::vector<LintSource>> lint_sources(const ServiceSpec& s, const ServiceStatus* st,
                                              const std::string& url) const override;
  Status downgrade(const ServiceSpec& s, const std::string& to, StepContext& ctx) const override;
  Status baseline(const ServiceSpec& s, const std::string& to, bool force, StepContext& ctx) const override;
  bool knows_version(const ServiceSpec& s, const std::string& to) const override;
  std::vector<Finding> check_files(const ServiceSpec& s, const std::filesystem::path& root) const override;
  ProbeResult probe(const ServiceSpec& s) const override;
  std::optional<ConnectionCheck> check_connection(const ServiceSpec& s, const std::string& database_url) const override;

 private:
  AlembicManifest manifest_;
};

}  // namespace orch

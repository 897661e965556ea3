#pragma once
// The `sql` kind: NNNN_name.sql files applied natively, a ledger table of applied files.
#include "migration_kind.h"
#include "sql/sql_ledger.h"
#include "sql/sql_manifest.h"
#include "sql/sql_steps.h"

namespace orch {

class SqlKind : public MigrationKind {
 public:
  SqlKind() : rules_{&orchestrate_ledger(), true} {}
  const ManifestKind& manifest() const override { return manifest_; }
  std::unique_ptr<ServiceRunner> make_runner(RunnerContext ctx) const override;
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

 protected:
  // Another kind of SQL files (supabase): the same applier with its own ledger.
  explicit SqlKind(SqlApplyRules rules) : rules_(rules) {}
  SqlApplyRules rules_;

 private:
  SqlManifest manifest_;
};

}  // namespace orch

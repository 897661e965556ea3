#pragma once
// What the `sql` kind reads from the manifest: command (kept, as every kind may name one) on a service
// or in [runners.sql], and [runners.sql] max_file_size; its ledger is orchestrate_migrations.
#include <optional>
#include <string>

#include "manifest/manifest_kind.h"

namespace orch {

// A kind of SQL files with another ledger (supabase) derives from it and names its own default table.
class SqlManifest : public ManifestKind {
 public:
  explicit SqlManifest(std::string name = "sql") : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::vector<std::string> service_keys() const override { return {"command"}; }
  std::vector<std::string> runner_keys() const override { return {"command", "max_file_size"}; }

 protected:
  void read_defaults(const ManifestAttrs& table, ManifestDiagnostics& errors) const override;
  void read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const override;
  // Where the kind's ledger lives unless version_table says otherwise.
  virtual void default_ledger(ServiceSpec& s) const;

 private:
  std::string name_;
};

// "64MiB": a whole number of B, KiB, MiB or GiB, from 1 KiB to 1 GiB (PostgreSQL takes no larger
// query); nullopt otherwise.
std::optional<size_t> parse_file_size(const std::string& text);

}  // namespace orch

#pragma once
// What a migration kind reads from the manifest. The parser keeps the keys of [services.NAME] that are
// not common to every service, and the whole [runners.NAME] table, as written with their positions;
// the kind named by `runner` validates them and sets its defaults (as ccache's storage backends, looked
// up by their scheme, each read their own attributes). So the parser knows no kind, and a new kind is a
// new ManifestKind registered in plugins/kinds.cc, not an edit here.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifest/source_pos.h"

namespace orch {

struct ServiceSpec;

// A TOML value as written.
struct ManifestValue {
  std::string type;                  // "a string", "an array", "an integer", ...: for messages
  SourcePos pos;
  std::optional<std::string> text;   // a string's
  std::vector<ManifestValue> items;  // an array's entries
};

struct ManifestAttr {
  std::string key;
  SourcePos key_pos;
  ManifestValue value;
};

// The keys of one table that a kind reads.
struct ManifestAttrs {
  std::string where;    // "[services.users]", "[runners.alembic]"
  std::string service;  // "users"; "" for a [runners.NAME] table
  SourcePos pos;      // the table's
  std::vector<ManifestAttr> attrs;
  const ManifestAttr* find(const std::string& key) const;
};

// Collects a kind's errors with the parser's, so one run reports all of them. A quiet one drops them,
// for reading again a table whose errors were reported once already.
class ManifestDiagnostics {
 public:
  explicit ManifestDiagnostics(std::vector<ManifestError>* into) : into_(into) {}
  static ManifestDiagnostics quiet() { return ManifestDiagnostics(nullptr); }
  void error(SourcePos pos, std::string message, std::string hint = {});
  // The value of `key` when it is a string; an error at it when it is not; null when absent.
  const std::string* string(const ManifestAttrs& t, const std::string& key);
  // The value of `key` when it is an array of strings (errors at entries that are not); nullopt when absent.
  std::optional<std::vector<std::string>> strings(const ManifestAttrs& t, const std::string& key);

 private:
  std::vector<ManifestError>* into_;
};

class ManifestKind;

// What one service's kind is given.
struct KindInput {
  const ManifestAttrs& service;              // its keys of [services.NAME] beyond the common ones
  const ManifestAttrs& defaults;             // [runners.KIND]: every key; none when the table is absent
  std::filesystem::path dir;                 // the manifest's directory
  const std::vector<const ManifestKind*>& kinds;  // every registered kind, for "did you mean"
  std::map<std::string, std::string>* memo;  // answers kept for the rest of this load (may be null)
};

class ManifestKind {
 public:
  virtual ~ManifestKind() = default;
  virtual std::string name() const = 0;                     // runner = "NAME"
  virtual std::vector<std::string> service_keys() const = 0;  // its keys in [services.NAME]
  virtual std::vector<std::string> runner_keys() const = 0;   // its keys in [runners.NAME]
  // Must a service name its folder with `path`? (Without, the command kind runs in the manifest's.)
  virtual bool needs_path() const { return true; }

  // Checks the keys of [runners.NAME] and their values, once per manifest.
  void check_defaults(const ManifestAttrs& table, const std::vector<const ManifestKind*>& kinds,
                      ManifestDiagnostics& errors) const;
  // Checks this kind's keys of one service and sets what they and the kind's defaults decide
  // (command, version table, ...). Called after the common keys are read into `s`.
  void configure(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const;

 protected:
  virtual void read_defaults(const ManifestAttrs& table, ManifestDiagnostics& errors) const {}
  virtual void read_service(ServiceSpec& s, const KindInput& in, ManifestDiagnostics& errors) const = 0;
};

// The keys every [services.NAME] may have, whatever its runner.
const std::vector<std::string>& common_service_keys();

// Reports the keys of `t` that `self` does not read: one another kind reads "applies to" that kind's
// services only; any other is unknown, with the closest known key. `self` null: an unknown runner,
// whose table is checked against every kind's keys.
void check_kind_keys(const ManifestKind* self, const ManifestAttrs& t, bool runner_table,
                     const std::vector<const ManifestKind*>& kinds, ManifestDiagnostics& errors);

// The command a service runs: its own `command`, else [runners.KIND] command, else `fallback`.
// An empty or mistyped own command is an error at it.
std::vector<std::string> configured_command(const KindInput& in, ManifestDiagnostics& errors,
                                            std::vector<std::string> fallback);
// A `command` of [runners.KIND], checked (check_defaults).
void check_default_command(const ManifestAttrs& table, ManifestDiagnostics& errors);
// The version table's default (`schema`.`table`), unless the service's `version_table` set one.
void default_version_table(ServiceSpec& s, const std::string& schema, const std::string& table);

}  // namespace orch

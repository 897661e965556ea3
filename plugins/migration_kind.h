#pragma once
// Everything one kind of migration runner knows, behind one interface (as ccache's storage backends
// are): no caller switches on the kind. Each kind lives in plugins/<kind>/ and is registered once in
// plugins/kinds.cc, by its runner name; docs/architecture.md says how to add a fourth.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/finding.h"
#include "lint/linter.h"
#include "manifest/manifest.h"
#include "report/status_report.h"
#include "runner_context.h"
#include "scheduler/runner.h"
#include "util/result.h"

namespace orch {

class Db;

// What the run's session read about one service's version table, in its one batched query.
struct VersionRows {
  bool table_exists = false;
  long tables = 0;  // ordinary and partitioned tables in the schema, the version table excluded
  struct Row {
    std::string version;
    std::string applied_at;  // ISO 8601, "" when the kind does not record it
    std::string checksum;    // "" when the kind does not record it
  };
  std::vector<Row> rows;
  std::string error;  // the rows could not be read
  std::vector<std::string> invalid_indexes;  // schema.index left INVALID (an interrupted CREATE INDEX CONCURRENTLY)
};

// One file of `plan --sql --out`: a pending revision (or, squashed, a range) as SQL that applies on its
// own, the version table's rows included.
struct SqlPiece {
  std::string label;  // names the file: the revision ("189b1231afd4", "0001_create_exercises") or "A_to_B"
  std::string sql;
};

// down and baseline run their steps on the run's session; child tools get the URL.
struct StepContext {
  Db& db;
  std::string database_url;  // a secret
  std::string run_id;
  std::function<void(const std::string&)> line;  // progress, one line at a time
  bool guard_server_objects = false;  // rehearse on the target's server (RunnerContext::guard_server_objects)
  bool refused_server_objects = false;  // set by the kind when that guard failed a step
};

struct ProbeResult {
  bool ok = false;
  std::string version;  // what the tool printed ("alembic 1.8.1")
  std::string error;    // one line
  std::string hint;
};

// What a migration's own connection runs with, seen by opening one the way `up` would (check).
struct ConnectionCheck {
  bool verified = false;       // a connection was opened and its settings read
  bool limits_in_force = false;
  std::string detail;          // what was seen, or why it could not be seen
  std::string error;           // the tool failed before or while connecting: `up` would fail too
  std::string where;           // file:line of that failure, when known
};

class MigrationKind {
 public:
  virtual ~MigrationKind() = default;
  // What it reads from the manifest (its keys and defaults), and so its runner name.
  virtual const ManifestKind& manifest() const = 0;
  std::string name() const { return manifest().name(); }

  // The runner `up` drives through the scheduler.
  virtual std::unique_ptr<ServiceRunner> make_runner(RunnerContext ctx) const = 0;
  // Before a run that may migrate this service (`st` is where it stands): start what takes time to get
  // ready, in the background, so it overlaps the run's other prechecks (Alembic's zygote).
  virtual void prepare(const ServiceSpec& s, const ServiceStatus& st) const {}

  // Does it keep versions orchestrate can read? (The command runner does not.)
  virtual bool tracks_versions() const { return true; }
  // `SELECT version, applied_at, checksum FROM <rel>` in its own shape, for the batched query
  // (three text columns); "" when it keeps no versions.
  virtual std::string version_rows_sql(const std::string& quoted_rel) const = 0;
  // Where the service stands: its files read here, its rows from the batched query.
  virtual void read_state(const ServiceSpec& s, const VersionRows& db, ServiceStatus& out) const = 0;

  // The SQL `up` would run for the pending migrations, for review (plan --sql).
  virtual Result<std::string> offline_sql(const ServiceSpec& s, const ServiceStatus& st,
                                          const std::string& database_url) const = 0;
  // The same SQL in pieces, in the order they run: one per pending revision, or one per range with
  // `squash`. None for a kind whose SQL orchestrate cannot see (command).
  virtual Result<std::vector<SqlPiece>> offline_pieces(const ServiceSpec&, const ServiceStatus&, const std::string&,
                                                       bool) const {
    return std::vector<SqlPiece>{};
  }
  // The SQL `up` would run for the pending migrations (every migration when `st` is null), as scripts
  // for the linter in the order they run. None for a kind whose SQL orchestrate cannot see.
  virtual Result<std::vector<LintSource>> lint_sources(const ServiceSpec&, const ServiceStatus*, const std::string&) const {
    return std::vector<LintSource>{};
  }
  // One step back ("-1"), to "base", or to a version.
  virtual Status downgrade(const ServiceSpec& s, const std::string& to, StepContext& ctx) const = 0;
  // Records `to` ("head" or a version) as applied without running anything.
  virtual Status baseline(const ServiceSpec& s, const std::string& to, bool force, StepContext& ctx) const = 0;
  // Is `to` a version this service's files declare (baseline's argument)?
  virtual bool knows_version(const ServiceSpec& s, const std::string& to) const = 0;

  // Findings about its files alone, before any database is touched (check).
  virtual std::vector<Finding> check_files(const ServiceSpec& s, const std::filesystem::path& root) const = 0;
  // Does a migration's own connection get the service's lock_timeout? nullopt for kinds whose
  // connections orchestrate opens itself (they always do).
  virtual std::optional<ConnectionCheck> check_connection(const ServiceSpec& s, const std::string& database_url) const {
    return std::nullopt;
  }
  // Can its tool start? (check, once per distinct command)
  virtual ProbeResult probe(const ServiceSpec& s) const = 0;
};

// The registered kind for a manifest's runner name (the manifest was read with every registered kind).
const MigrationKind& migration_kind(const std::string& runner);
// Every registered kind, in a stable order.
const std::vector<const MigrationKind*>& migration_kinds();

}  // namespace orch

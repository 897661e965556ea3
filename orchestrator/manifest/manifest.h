#pragma once
// The parsed form of services.toml. Every value that can be wrong later (a path that vanished, an
// environment variable that is unset at run time) keeps the position it came from, so the message
// can point at the line a person has to edit.
#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "lint/lint_rules.h"
#include "util/duration.h"

#include "graph/service_graph.h"
#include "util/result.h"

namespace orch {

struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "services.toml:12:5", or just the file when the line is unknown
};

// Where a database URL comes from: "env:VAR", "file:/path" (contents, trimmed) or a literal URL.
struct DatabaseRef {
  std::string spec;
  SourcePos pos;
};

enum class RunnerKind { Alembic, Sql, Command, Supabase };
const char* to_string(RunnerKind k);

// How long a statement may wait for a lock, how often to try again, and a bound on any one statement
// ([project] defaults, each overridable per service). A wait bounded by lock_timeout is what keeps an
// ALTER TABLE queued behind a long transaction from stalling every query on the table.
struct LockPolicy {
  std::optional<Millis> lock_timeout = Millis(2000);  // nullopt: "off"
  int lock_retries = 8;                               // attempts after the first
  std::optional<Millis> statement_timeout;            // nullopt: "off"
};

// The largest SQL migration file read by default ([runners.sql] max_file_size): the file is held in
// memory, parsed (about 20 times its size while a batch is parsed) and sent as one query.
constexpr size_t kDefaultMaxSqlFileBytes = 64ull << 20;

struct ServiceSpec {
  std::string name;
  SourcePos pos;                    // the [services.NAME] header
  std::string schema;
  RunnerKind runner = RunnerKind::Alembic;
  std::filesystem::path path;       // absolute
  std::string path_text;            // as written, for messages
  SourcePos path_pos;
  std::vector<std::string> depends_on;
  std::vector<SourcePos> depends_on_pos;
  std::vector<std::pair<std::string, std::string>> env;  // extra environment for child processes
  std::optional<Millis> timeout;
  std::string config = "alembic.ini";   // alembic: ini file inside `path`
  std::vector<std::string> command;     // resolved: the service's own, else the runner default
  std::string python;                   // alembic: the interpreter `python` named (resolved path), "" for none
  // alembic: what `up` upgrades to: "heads", "head", "<branch>@head" or a revision; "" for the default
  // (plugins/alembic/upgrade_target: heads when the tree's heads carry branch labels, else head).
  std::string target;
  SourcePos target_pos;
  std::string version_schema;           // where the version table/ledger lives
  std::string version_table;            // its name inside version_schema
  bool exclusive = false;               // runs alone: extensions, roles, database-wide changes
  std::vector<std::filesystem::path> rls;  // this service's policy files, applied in the RLS phase
  std::vector<std::string> rls_text;       // as written, for messages
  LockPolicy locks;                        // the project's, with this service's overrides
  size_t max_file_bytes = kDefaultMaxSqlFileBytes;  // sql: the largest migration file read
};

// A [[rls.policy]]: rendered to ENABLE ROW LEVEL SECURITY + DROP POLICY IF EXISTS + CREATE POLICY for
// every table in `schemas` that has `when_column` (every table when it is empty), so new tables are
// covered without anyone editing SQL.
struct PolicySpec {
  std::string name;
  std::vector<std::string> schemas;
  std::string when_column;
  std::string command = "ALL";  // ALL | SELECT | INSERT | UPDATE | DELETE
  std::vector<std::string> roles = {"public"};
  std::string using_expr;
  std::string with_check;
  SourcePos pos;
};

struct RlsSpec {
  std::vector<std::filesystem::path> files;  // applied in this order after every service succeeded
  std::vector<std::string> files_text;
  std::vector<std::string> require;          // schemas in which every table must be protected
  std::vector<std::string> exclude;          // "schema.table" deliberately left open
  bool force = false;                        // also require FORCE ROW LEVEL SECURITY
  // One attempt's wait for a table lock, and attempts after the first: default the project's
  // lock_timeout (30s when that is "off": the phase never waits forever) and lock_retries.
  Millis lock_timeout{2000};
  int lock_retries = 8;
  std::vector<PolicySpec> policies;
  bool empty() const { return files.empty() && require.empty() && policies.empty(); }
};

// A database the services run on: staging, a production region, a tenant.
struct TargetSpec {
  std::string name;
  DatabaseRef database;
  bool is_protected = false;  // production: never changed without confirmation
  SourcePos pos;
};

// Targets listed elsewhere, for many tenants: a file of URLs or name=URL lines, or a query returning
// (name, url) rows run against a control database.
struct TargetsFrom {
  std::filesystem::path file;
  std::string file_text;
  std::string query;
  DatabaseRef control;  // for query; defaults to [project] database
  bool is_protected = false;
  SourcePos pos;
};

struct RolloutWave {
  std::string name;
  std::vector<std::string> targets;  // names, or globs with '*' ("tenant-*")
  int max_parallel = 4;              // targets migrated at once inside this wave
  int max_failures = 0;              // error budget: more failed targets than this halts the rollout
  SourcePos pos;
};

struct Manifest {
  // The depends_on graph, built and checked once when the manifest is loaded.
  std::shared_ptr<const ServiceGraph> graph;
  std::filesystem::path file;       // as given
  std::filesystem::path dir;        // paths in the manifest are relative to this
  std::string project_name;
  DatabaseRef database;
  std::optional<int> max_parallel;
  LockPolicy locks;  // [project] lock_timeout, lock_retries, statement_timeout
  std::vector<ServiceSpec> services;  // in the order they appear in the file
  RlsSpec rls;
  std::vector<TargetSpec> targets;
  std::optional<TargetsFrom> targets_from;
  std::vector<RolloutWave> rollout;
  DatabaseRef rollout_state;  // [rollout] state: a PostgreSQL database shared by every worker; empty: local JSON
  LintPolicy lint;  // [lint] deny, allow
  bool has_default_database() const { return !database.spec.empty(); }
  std::string checksum;               // sha256 of the file's bytes, recorded with every run

  const ServiceSpec* find(const std::string& name) const;
};

struct ManifestError {
  SourcePos pos;
  std::string message;
  std::string hint;  // what to do about it; may be empty
};

// Everything wrong with a manifest at once: fixing one error per run is a slow way to spend 2 a.m.
class ManifestErrors : public std::exception {
 public:
  explicit ManifestErrors(std::vector<ManifestError> errors);
  const std::vector<ManifestError>& errors() const { return errors_; }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::vector<ManifestError> errors_;
  std::string text_;
};

// Reads and validates a manifest. Throws ManifestErrors listing every problem found.
Manifest load_manifest(const std::filesystem::path& file);
// The same from the file's bytes (`file` names it in messages and anchors relative paths).
Manifest parse_manifest(const std::string& bytes, const std::filesystem::path& file);

// Resolves a database reference to a URL normalised to postgresql://, and registers its password (and,
// for file:, the whole contents) as secrets. The error points at the reference (exit 2).
Result<std::string> resolve_database(const DatabaseRef& ref);

// postgres://, postgresql+psycopg2:// and friends become postgresql://, the form libpq and SQLAlchemy share.
std::string normalise_database_url(const std::string& url);

}  // namespace orch

#pragma once
// The parsed form of services.toml. Every value that can be wrong later (a path that vanished, an
// environment variable that is unset at run time) keeps the position it came from, so the message
// can point at the line a person has to edit.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/duration.h"

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

enum class RunnerKind { Alembic, Sql, Command };
const char* to_string(RunnerKind k);

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
  std::string version_schema;           // where the version table/ledger lives
  std::string version_table;            // its name inside version_schema
  bool exclusive = false;               // runs alone: extensions, roles, database-wide changes
};

struct Manifest {
  std::filesystem::path file;       // as given
  std::filesystem::path dir;        // paths in the manifest are relative to this
  std::string project_name;
  DatabaseRef database;
  std::optional<int> max_parallel;
  std::vector<ServiceSpec> services;  // in the order they appear in the file
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

// Resolves a database reference to a URL normalised to postgresql://, and registers its password (and,
// for file:, the whole contents) as secrets. Throws ManifestErrors pointing at the reference.
std::string resolve_database(const DatabaseRef& ref);

// postgres://, postgresql+psycopg2:// and friends become postgresql://, the form libpq and SQLAlchemy share.
std::string normalise_database_url(const std::string& url);

}  // namespace orch

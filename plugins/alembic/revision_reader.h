#pragma once
// Reads Alembic revision files without Python: the module-level `revision`, `down_revision`,
// `branch_labels` and `depends_on` assignments (strings, tuples, lists, None, with or without type
// annotations) and the docstring's first line. This is what lets `up` skip starting Python when the
// database already holds the heads, and what `status` and `check` read.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace orch {

struct RevisionFile {
  std::filesystem::path path;
  std::string revision;
  int revision_line = 0;
  std::vector<std::string> down_revisions;  // empty for a base revision
  int down_revision_line = 0;
  std::vector<std::string> branch_labels;
  std::vector<std::string> depends_on;
  int depends_on_line = 0;
  std::string message;  // first line of the module docstring
  std::string error;    // why this file could not be read; empty when it was
  int error_line = 0;   // where, when the reason has a line
};

// Parses one file's text; `path` is kept for messages only.
RevisionFile parse_revision_source(const std::string& text, const std::filesystem::path& path);

class RevisionSet {
 public:
  // Every *.py file directly in `versions_dir` (Alembic's default layout).
  static RevisionSet read_dir(const std::filesystem::path& versions_dir);
  static RevisionSet from_files(std::vector<RevisionFile> files);

  const std::vector<RevisionFile>& files() const { return files_; }
  // False when any file could not be read: then nothing derived from the set may be trusted.
  bool complete() const;
  const RevisionFile* find(const std::string& revision) const;

  // Revisions no other revision names as down_revision, in file-name order.
  std::vector<std::string> heads() const;
  // Revisions that must run to go from `current` to the heads, parents before children. nullopt when
  // `current` holds a revision no file declares (the database is ahead, or history was rewritten).
  std::optional<std::vector<std::string>> pending(const std::vector<std::string>& current) const;

 private:
  std::vector<std::string> ancestors_including(const std::vector<std::string>& revs) const;
  std::vector<RevisionFile> files_;
};

// Where an alembic.ini keeps its revision files: script_location/versions, or version_locations.
// nullopt when the ini cannot be understood without Alembic (a package reference, say).
std::optional<std::vector<std::filesystem::path>> versions_dirs_from_ini(const std::filesystem::path& ini);

// Every revision file of the project whose alembic.ini is `ini`, from all its version locations.
// nullopt when the ini cannot be understood without Alembic.
std::optional<RevisionSet> read_revision_set(const std::filesystem::path& ini);

}  // namespace orch

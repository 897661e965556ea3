#pragma once
// Reads Alembic revision files without Python: the module-level `revision`, `down_revision`,
// `branch_labels` and `depends_on` assignments (strings, tuples, lists, None, with or without type
// annotations) and the docstring's first line. This is what lets `up` skip starting Python when the
// database already holds the heads, and what `status` and `check` read.
#include <filesystem>
#include <memory>
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
  // Where Alembic meets this file when it loads the tree: the directory's own order (os.listdir), version
  // location after version location. Alembic breaks ties in its upgrade order by it, and so do we.
  int load_index = -1;
};

struct RevisionGraph;  // revision_graph.cc: the tree as Alembic's RevisionMap sees it

// Parses one file's text; `path` is kept for messages only.
RevisionFile parse_revision_source(const std::string& text, const std::filesystem::path& path);

class RevisionSet {
 public:
  // Every *.py file directly in `versions_dir` (Alembic's default layout).
  static RevisionSet read_dir(const std::filesystem::path& versions_dir, bool recursive = false);
  // Files keep the load_index they carry; those without one are taken in the order given.
  static RevisionSet from_files(std::vector<RevisionFile> files);

  const std::vector<RevisionFile>& files() const { return files_; }
  // False when any file could not be read: then nothing derived from the set may be trusted.
  bool complete() const;
  const RevisionFile* find(const std::string& revision) const;

  // Revisions no other revision names as down_revision, in file-name order: Alembic's `heads`, what
  // `alembic heads` lists and what `head` must be exactly one of.
  std::vector<std::string> heads() const;
  // Heads no revision names in depends_on either: what `alembic upgrade heads` goes to.
  std::vector<std::string> real_heads() const;
  // Revisions that must run to go from `current` to the heads, in the order Alembic applies them. nullopt
  // when `current` holds a revision no file declares (the database is ahead, or history was rewritten).
  std::optional<std::vector<std::string>> pending(const std::vector<std::string>& current) const;
  // The same towards `targets` only (`expand@head` resolved): what they need through down_revision and
  // depends_on that `current` does not already hold, parents and dependencies first, ties broken as
  // Alembic 1.8's _topological_sort breaks them.
  std::optional<std::vector<std::string>> pending_to(const std::vector<std::string>& current,
                                                     const std::vector<std::string>& targets) const;
  // The version table's rows after `steps` run from `rows`, as Alembic's HeadMaintainer writes them
  // (a depends_on joins the dependency's row into the dependent's, as a merge does).
  std::vector<std::string> rows_after(std::vector<std::string> rows, const std::vector<std::string>& steps) const;
  // One step of that: which rows applying `rev` deletes (all but the one it updates) and whether it
  // inserts a row of its own instead of updating one.
  struct StepRows {
    std::vector<std::string> removed;
    bool inserted = false;
  };
  StepRows step_rows(const std::vector<std::string>& rows, const std::string& rev) const;

  // `revs` and everything they need, through down_revision and depends_on.
  std::vector<std::string> ancestors(const std::vector<std::string>& revs) const;
  // down_revision, then the depends_on that no ancestor already depends on: Alembic's
  // _normalized_down_revisions.
  std::vector<std::string> needs_directly(const std::string& rev) const;

  // Every declared branch label, sorted.
  std::vector<std::string> branch_labels() const;
  // The revision whose file declares `label`; null when none does.
  const RevisionFile* labelled(const std::string& label) const;
  // The labels `rev` carries as Alembic propagates them: its own, those of its ancestors on the branch,
  // and, when the label sits on a branch's first revisions, its descendants down to the branch point.
  std::vector<std::string> labels_of(const std::string& rev) const;
  // The heads in the lineage of a label or revision, as Alembic resolves `<branch>@head`: those that
  // descend from the revision carrying the label (or from the revision itself). nullopt when `branch`
  // is neither a label nor a revision.
  std::optional<std::vector<std::string>> lineage_heads(const std::string& branch) const;

 private:
  const RevisionGraph& graph() const;  // an empty one for a default-constructed set
  std::vector<RevisionFile> files_;
  std::shared_ptr<const RevisionGraph> graph_;  // built once by from_files; shared by copies
};

// Where an alembic.ini keeps its revision files: script_location/versions, or version_locations
// (alembic/alembic_ini.h reads them as Alembic does; relative ones are relative to `cwd`, where
// Alembic runs). nullopt when the ini cannot be understood without Alembic (a package reference, say).
std::optional<std::vector<std::filesystem::path>> versions_dirs_from_ini(const std::filesystem::path& ini,
                                                                         const std::filesystem::path& cwd);

// Every revision file of the project whose alembic.ini is `ini`, from all its version locations
// (their subdirectories too with recursive_version_locations). nullopt when the ini cannot be
// understood without Alembic.
std::optional<RevisionSet> read_revision_set(const std::filesystem::path& ini, const std::filesystem::path& cwd);

}  // namespace orch

#pragma once
// What `up` asks Alembic to upgrade to: a service's `target` (heads, head, <branch>@head, a revision)
// resolved against its revision files as Alembic 1.8 resolves it, and, for plan --sql, the offline
// ranges that reach it from the database's rows (Alembic's offline mode starts each range at one revision).
#include <string>
#include <vector>

#include "alembic/revision_reader.h"
#include "check/finding.h"
#include "manifest/manifest.h"
#include "util/result.h"

namespace orch {

struct UpgradeTarget {
  std::string argument;                // for `alembic upgrade`: heads, head, expand@head or a full revision id
  std::vector<std::string> revisions;  // the revisions it resolves to; every head when it cannot be resolved
  std::string error;                   // why it cannot be resolved ("" when it can)
  std::string hint;                    // what to write instead
};

// The default target: "heads" when a head carries a branch label (an expand/contract tree, kept with
// several heads by design), else "head", so divergent unlabelled heads still fail as Alembic fails them.
std::string default_upgrade_target(const RevisionSet& set);

// `target` ("" for the default) against the tree.
UpgradeTarget resolve_upgrade_target(const std::string& target, const RevisionSet& set);

// The argument `up` passes to `alembic upgrade` for `s`. When the target cannot be resolved it is passed
// as written, so Alembic's own refusal is what the run shows.
std::string upgrade_target(const ServiceSpec& s, const RevisionSet& set);
// The same, reading s's revision files; without them, the target as written, else "head".
std::string upgrade_target(const ServiceSpec& s);

// For `check`: the service's `target` names no branch or revision the files declare (at its position in
// the manifest, with a did-you-mean). Nothing for the default target: the graph check covers the tree.
std::vector<Finding> check_upgrade_target(const ServiceSpec& s, const RevisionSet& set);

// The `alembic upgrade --sql` ranges that take a database holding `current` to `t`, in order: the target
// itself from an empty database, else "START:END" ranges, each starting at a row the version table
// holds then, each writing the version rows `up` would write. An error when a revision needs two rows at
// once (a depends_on joining two branches both applied), which one offline start cannot express.
Result<std::vector<std::string>> offline_ranges(const RevisionSet& set, const std::vector<std::string>& current,
                                                const UpgradeTarget& t);

// One `alembic upgrade RANGE --sql` and the revisions it runs, in order.
struct OfflineRange {
  std::string range;
  std::vector<std::string> revisions;
};
// The ranges of offline_ranges with what each runs; with `per_revision`, one range per pending revision
// (plan --sql --out writes a file for each), each from the row the version table holds before it.
Result<std::vector<OfflineRange>> offline_steps(const RevisionSet& set, const std::vector<std::string>& current,
                                                const UpgradeTarget& t, bool per_revision);

}  // namespace orch

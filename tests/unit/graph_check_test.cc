// Revision-graph forensics on the fixture trees in tests/fixtures/revision_graphs.
#include <gtest/gtest.h>

#include "alembic/graph_check.h"

using namespace orch;
namespace fs = std::filesystem;

namespace {

const fs::path kRoot = fs::path(ORCHESTRATE_SOURCE_DIR) / "tests" / "fixtures" / "revision_graphs";

std::vector<Finding> findings(const std::string& tree) {
  return check_revision_graph(RevisionSet::read_dir(kRoot / tree / "migrations" / "versions"), kRoot);
}

std::string all(const std::vector<Finding>& f) {
  std::string s;
  for (const auto& x : f) s += x.where + ": " + x.message + "\n";
  return s;
}

}  // namespace

TEST(GraphCheck, RenamedAndOverwrittenBase) {
  auto f = findings("renamed_base");
  ASSERT_EQ(f.size(), 2u) << all(f);
  EXPECT_EQ(f[0].where, "renamed_base/migrations/versions/189b1231afd4_bootstrap_tables.py:4");
  EXPECT_NE(f[0].message.find("file name says revision 189b1231afd4, but the file declares revision '2a3f4c9d1cde'"),
            std::string::npos);
  EXPECT_NE(f[0].message.find("probably overwritten by its successor"), std::string::npos);
  EXPECT_EQ(f[1].where, "renamed_base/migrations/versions/189b1231afd4_bootstrap_tables.py:5");
  EXPECT_NE(f[1].message.find("down_revision '189b1231afd4' of revision 2a3f4c9d1cde is not declared by any file"),
            std::string::npos);
}

// Alembic file names are free-form: revision ids with underscores and date-prefixed templates are
// valid; a name that says another number is a warning, since the chain itself is intact.
TEST(GraphCheck, FreeFormFileNamesAndUnderscoreIds) {
  auto f = findings("free_form_names");
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_EQ(f[0].severity, Severity::Warning) << all(f);
  EXPECT_EQ(f[0].where, "free_form_names/migrations/versions/0004_misnamed.py:4");
  EXPECT_NE(f[0].message.find("file name says revision 0004"), std::string::npos) << all(f);
}

TEST(GraphCheck, MissingParent) {
  auto f = findings("missing_parent");
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_EQ(f[0].where, "missing_parent/migrations/versions/b2b2b2b2_next.py:5");
  EXPECT_NE(f[0].message.find("'zz99zz99'"), std::string::npos);
}

TEST(GraphCheck, TwoHeadsWithoutMerge) {
  auto f = findings("two_heads");
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_NE(f[0].message.find("2 heads and no merge: b2b2b2b2"), std::string::npos) << f[0].message;
  EXPECT_NE(f[0].message.find("c3c3c3c3"), std::string::npos);
  EXPECT_EQ(f[0].hint, "merge them: alembic merge -m \"merge heads\" b2b2b2b2 c3c3c3c3");
}

TEST(GraphCheck, MergeIsClean) { EXPECT_TRUE(findings("merge").empty()) << all(findings("merge")); }

TEST(GraphCheck, SquashedHistoryIsCleanOnFiles) { EXPECT_TRUE(findings("squashed").empty()); }

TEST(GraphCheck, Cycle) {
  auto f = findings("cycle");
  ASSERT_GE(f.size(), 1u);
  EXPECT_NE(all(f).find("revision cycle: "), std::string::npos) << all(f);
  EXPECT_NE(all(f).find(".py:5"), std::string::npos);
}

TEST(GraphCheck, DuplicateIds) {
  auto f = findings("duplicate");
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_NE(f[0].message.find("revision a1a1a1a1 is declared by 2 files"), std::string::npos);
}

TEST(GraphCheck, UnreadableFileIsSaidNotGuessed) {
  RevisionFile bad;
  bad.path = kRoot / "x" / "dyn.py";
  bad.error = "line 3: `revision` is not a plain string literal";
  auto f = check_revision_graph(RevisionSet::from_files({bad}), kRoot);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].where, "x/dyn.py");
  EXPECT_NE(f[0].message.find("cannot read this revision file"), std::string::npos);
}

namespace {

struct R {
  std::string id;
  std::vector<std::string> down;
  std::vector<std::string> deps;
  std::vector<std::string> labels;
};

std::vector<Finding> check_tree(const std::vector<R>& revs, const std::string& target = "") {
  std::vector<RevisionFile> files;
  for (const auto& r : revs) {
    RevisionFile f;
    f.path = kRoot / "t" / (r.id + "_x.py");
    f.revision = r.id;
    f.revision_line = 4;
    f.down_revisions = r.down;
    f.depends_on = r.deps;
    f.branch_labels = r.labels;
    files.push_back(f);
  }
  return check_revision_graph(RevisionSet::from_files(files), kRoot, target);
}

}  // namespace

// Public tree testdriven: two bases on purpose, and the manifest says which to apply. Alembic accepts
// `upgrade heads` and `upgrade <revision>`, so only the default target (head) is an error.
TEST(GraphCheck, TwoHeadsWithAnExplicitTargetAreNotAnError) {
  const std::vector<R> two_bases = {{"a1", {}, {}, {}}, {"b1", {}, {}, {}}};
  auto none = check_tree(two_bases);
  ASSERT_EQ(none.size(), 1u) << all(none);
  EXPECT_EQ(none[0].severity, Severity::Error);
  auto heads = check_tree(two_bases, "heads");
  ASSERT_EQ(heads.size(), 1u) << all(heads);
  EXPECT_EQ(heads[0].severity, Severity::Info);
  EXPECT_NE(heads[0].message.find("`up` runs `alembic upgrade heads`"), std::string::npos) << heads[0].message;
  auto one = check_tree(two_bases, "b1");
  ASSERT_EQ(one.size(), 1u) << all(one);
  EXPECT_EQ(one[0].severity, Severity::Warning);
  EXPECT_NE(one[0].hint.find("alembic merge"), std::string::npos) << one[0].hint;
}

// expand/contract, kept with two heads by design: each head is the one head of a label of its own.
TEST(GraphCheck, LabelledHeadsAreATree) {
  auto f = check_tree({{"r0", {}, {}, {}},
                       {"e1", {"r0"}, {}, {"expand"}},
                       {"e2", {"e1"}, {}, {}},
                       {"c1", {"r0"}, {"e1"}, {"contract"}},
                       {"c2", {"c1"}, {"expand"}, {}}});  // depends_on may name a label
  EXPECT_TRUE(f.empty()) << all(f);
}

// Alembic: a label written on a branch's head names the branch as well.
TEST(GraphCheck, ALabelOnTheHeadCountsToo) {
  auto f = check_tree({{"r0", {}, {}, {}}, {"e1", {"r0"}, {}, {}}, {"e2", {"e1"}, {}, {"expand"}},
                       {"c1", {"r0"}, {}, {}}, {"c2", {"c1"}, {}, {"contract"}}});
  EXPECT_TRUE(f.empty()) << all(f);
}

TEST(GraphCheck, AnUnlabelledHeadBesideLabelledOnesNamesTheMergeWithItsNearestRelative) {
  // e3 forked off the expand branch at e1 by accident: merge it with e2, not with the contract head.
  auto f = check_tree({{"r0", {}, {}, {}},
                       {"e1", {"r0"}, {}, {"expand"}},
                       {"e2", {"e1"}, {}, {}},
                       {"e3", {"e1"}, {}, {}},
                       {"c1", {"r0"}, {}, {"contract"}}});
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_NE(f[0].message.find("3 heads and no merge"), std::string::npos) << f[0].message;
  EXPECT_NE(f[0].message.find("e2, e3 are not each the only head of a branch label of their own"), std::string::npos)
      << f[0].message;
  EXPECT_EQ(f[0].hint, "merge them: alembic merge -m \"merge heads\" e2 e3");
  EXPECT_EQ(f[0].where, "t/e2_x.py:4");
}

TEST(GraphCheck, OneStrayHeadIsMergedWithTheHeadItForkedFrom) {
  auto f = check_tree({{"r0", {}, {}, {}},
                       {"e1", {"r0"}, {}, {"expand"}},
                       {"c1", {"r0"}, {}, {"contract"}},
                       {"c2", {"c1"}, {}, {}},
                       {"s1", {}, {}, {}}});  // a second base, unlabelled
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_NE(f[0].message.find("s1 is not the only head"), std::string::npos) << f[0].message;
  EXPECT_NE(f[0].hint.find("alembic merge -m \"merge heads\" "), std::string::npos);
  EXPECT_NE(f[0].hint.find(" s1"), std::string::npos) << f[0].hint;
}

TEST(GraphCheck, ALabelSharedByBothHeadsDoesNotMakeThemABranchEach) {
  // "main" on the common root marks both heads: main@head is two heads, so they diverged by accident.
  auto f = check_tree({{"r0", {}, {}, {"main"}}, {"b1", {"r0"}, {}, {}}, {"c1", {"r0"}, {}, {}}});
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_EQ(f[0].hint, "merge them: alembic merge -m \"merge heads\" b1 c1");
}

TEST(GraphCheck, ALabelDeclaredTwiceIsAnError) {
  auto f = check_tree({{"r0", {}, {}, {}}, {"e1", {"r0"}, {}, {"expand"}}, {"e2", {"e1"}, {}, {"expand"}}});
  ASSERT_EQ(f.size(), 1u) << all(f);
  EXPECT_NE(f[0].message.find("branch label 'expand' is declared by 2 revisions"), std::string::npos) << f[0].message;
}

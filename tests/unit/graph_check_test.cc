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

// A service's `target` resolved against its tree, the argument `up` hands Alembic, check's positioned
// finding, and the offline ranges plan --sql runs for a database on several branches.
#include <gtest/gtest.h>

#include "alembic/upgrade_target.h"

using namespace orch;

namespace {

RevisionSet tree(const std::vector<std::tuple<std::string, std::vector<std::string>, std::vector<std::string>,
                                              std::vector<std::string>>>& revs) {
  std::vector<RevisionFile> files;
  for (const auto& [id, down, deps, labels] : revs) {
    RevisionFile f;
    f.path = id + ".py";
    f.revision = id;
    f.revision_line = 3;
    f.down_revisions = down;
    f.depends_on = deps;
    f.branch_labels = labels;
    files.push_back(f);
  }
  return RevisionSet::from_files(files);
}

// r0 <- e1 (expand) <- e2 ; r0 <- c1 (contract, depends on e1) <- c2
RevisionSet expand_contract() {
  return tree({{"r0aa", {}, {}, {}},
               {"e1aa", {"r0aa"}, {}, {"expand"}},
               {"e2aa", {"e1aa"}, {}, {}},
               {"c1aa", {"r0aa"}, {"e1aa"}, {"contract"}},
               {"c2aa", {"c1aa"}, {}, {}}});
}

ServiceSpec service(const std::string& target) {
  ServiceSpec s;
  s.name = "users";
  s.target = target;
  s.target_pos = SourcePos{"services.toml", 7, 10};
  return s;
}

}  // namespace

TEST(UpgradeTarget, DefaultIsHeadsForLabelledHeadsAndHeadOtherwise) {
  EXPECT_EQ(default_upgrade_target(expand_contract()), "heads");
  EXPECT_EQ(upgrade_target(service(""), expand_contract()), "heads");
  auto linear = tree({{"a", {}, {}, {}}, {"b", {"a"}, {}, {}}});
  EXPECT_EQ(upgrade_target(service(""), linear), "head");
  auto unlabelled = tree({{"a", {}, {}, {}}, {"b", {"a"}, {}, {}}, {"c", {"a"}, {}, {}}});
  EXPECT_EQ(upgrade_target(service(""), unlabelled), "head") << "accidental heads must keep failing as Alembic fails";
}

TEST(UpgradeTarget, ResolvesEachForm) {
  auto set = expand_contract();
  auto heads = resolve_upgrade_target("heads", set);
  EXPECT_TRUE(heads.error.empty());
  EXPECT_EQ(heads.revisions.size(), 2u);
  auto expand = resolve_upgrade_target("expand@head", set);
  EXPECT_TRUE(expand.error.empty()) << expand.error;
  EXPECT_EQ(expand.argument, "expand@head");
  EXPECT_EQ(expand.revisions, std::vector<std::string>{"e2aa"});
  auto by_rev = resolve_upgrade_target("c1aa@head", set);  // Alembic takes a revision as a branch too
  EXPECT_EQ(by_rev.revisions, std::vector<std::string>{"c2aa"});
  auto prefix = resolve_upgrade_target("e1a", set);
  EXPECT_FALSE(prefix.error.empty()) << "a prefix needs four characters, as in Alembic";
  auto full = resolve_upgrade_target("e1aa", set);
  EXPECT_EQ(full.argument, "e1aa");
  auto head = resolve_upgrade_target("head", set);
  EXPECT_NE(head.error.find("\"head\" is 2 heads"), std::string::npos) << head.error;
  EXPECT_NE(head.hint.find("target = \"heads\""), std::string::npos) << head.hint;
}

TEST(UpgradeTarget, UnknownBranchOrRevisionIsAPositionedFindingWithADidYouMean) {
  auto set = expand_contract();
  auto f = check_upgrade_target(service("expnad@head"), set);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].where, "services.toml:7:10");
  EXPECT_NE(f[0].message.find("no branch label or revision \"expnad\""), std::string::npos) << f[0].message;
  EXPECT_EQ(f[0].hint, "did you mean \"expand@head\"?");
  auto r = check_upgrade_target(service("c2ab"), set);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].hint, "did you mean \"c2aa\"?");
  auto label = check_upgrade_target(service("expand"), set);
  ASSERT_EQ(label.size(), 1u);
  EXPECT_EQ(label[0].hint, "\"expand\" is a branch label: write \"expand@head\"");
  EXPECT_TRUE(check_upgrade_target(service("contract@head"), set).empty());
  EXPECT_TRUE(check_upgrade_target(service(""), set).empty());
}

TEST(UpgradeTarget, PendingForATargetIsOnlyWhatItNeeds) {
  auto set = expand_contract();
  auto t = resolve_upgrade_target("expand@head", set);
  EXPECT_EQ(*set.pending_to({}, t.revisions), (std::vector<std::string>{"r0aa", "e1aa", "e2aa"}));
  auto c = resolve_upgrade_target("contract@head", set);
  EXPECT_EQ(*set.pending_to({}, c.revisions), (std::vector<std::string>{"r0aa", "e1aa", "c1aa", "c2aa"}));
}

TEST(OfflineRanges, EmptyDatabaseIsOneRunToTheTarget) {
  auto set = expand_contract();
  auto r = offline_ranges(set, {}, resolve_upgrade_target("", set));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::vector<std::string>{"heads"});
}

TEST(OfflineRanges, OneRowIsOneRangeToTheTarget) {
  auto set = tree({{"a", {}, {}, {}}, {"b", {"a"}, {}, {}}, {"c", {"b"}, {}, {}}});
  auto r = offline_ranges(set, {"a"}, resolve_upgrade_target("", set));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, std::vector<std::string>{"a:head"});
}

TEST(OfflineRanges, SeveralBranchesGetARangeEach) {
  // Two labelled branches from r0, no depends_on: each range starts at its own branch's row, in the order
  // Alembic applies them (it walks the heads in load order and yields children first: c2, then e2).
  auto set = tree({{"r0aa", {}, {}, {}},
                   {"e1aa", {"r0aa"}, {}, {"expand"}},
                   {"e2aa", {"e1aa"}, {}, {}},
                   {"c1aa", {"r0aa"}, {}, {"contract"}},
                   {"c2aa", {"c1aa"}, {}, {}}});
  auto t = resolve_upgrade_target("", set);
  EXPECT_EQ(*set.pending_to({"e1aa", "c1aa"}, t.revisions), (std::vector<std::string>{"c2aa", "e2aa"}));
  auto r = offline_ranges(set, {"e1aa", "c1aa"}, t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (std::vector<std::string>{"c1aa:c2aa", "e1aa:e2aa"}));
}

TEST(OfflineRanges, ADependencyAppliedAloneIsOneRangeFromIt) {
  // The database holds e1 only: c1 joins e1's row, c2 follows, e2 starts a row of its own; from the one
  // row e1 the whole upgrade writes exactly that.
  auto set = expand_contract();
  auto t = resolve_upgrade_target("", set);
  EXPECT_EQ(*set.pending_to({"e1aa"}, t.revisions), (std::vector<std::string>{"c1aa", "c2aa", "e2aa"}));
  EXPECT_EQ(set.rows_after({"e1aa"}, {"c1aa", "c2aa", "e2aa"}), (std::vector<std::string>{"c2aa", "e2aa"}));
  auto r = offline_ranges(set, {"e1aa"}, t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, std::vector<std::string>{"e1aa:heads"});
}

TEST(OfflineRanges, ARevisionJoiningTwoAppliedBranchesCannotBeOneOfflineRange) {
  // c2 depends on e2 while the database holds e2 and c1: up merges both rows into c2; one offline start
  // cannot say that.
  auto set = tree({{"r0aa", {}, {}, {}},
                   {"e1aa", {"r0aa"}, {}, {"expand"}},
                   {"e2aa", {"e1aa"}, {}, {}},
                   {"c1aa", {"r0aa"}, {}, {"contract"}},
                   {"c2aa", {"c1aa"}, {"e2aa"}, {}}});
  auto r = offline_ranges(set, {"e2aa", "c1aa"}, resolve_upgrade_target("", set));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("revision c2aa needs c1aa and e2aa at once"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().hint.find("orchestrate up"), std::string::npos);
}

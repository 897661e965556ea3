// The pure parts of `rehearse`: the shadow's name and age, which leftovers may be dropped, the URL
// rewriting, and how locks read with the target's sizes.
#include <gtest/gtest.h>

#include "engine/lock_report.h"
#include "engine/shadow_database.h"
#include "engine/shadow_url.h"

using namespace orch;
using namespace std::chrono_literals;

TEST(Rehearse, ShadowNameCarriesTheRunIdAndItsTime) {
  std::string n = shadow_name("20261201T133713Z-ab12");
  EXPECT_EQ(n, "orchestrate_rehearsal_20261201t133713z_ab12");
  auto made = shadow_created_at(n);
  ASSERT_TRUE(made);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*made), 1796132233);  // 2026-12-01 13:37:13 UTC
  EXPECT_FALSE(shadow_created_at("orchestrate_rehearsal_mine"));
  EXPECT_FALSE(shadow_created_at("orders"));
}

TEST(Rehearse, OnlyOldUnconnectedShadowsAreStale) {
  auto now = *shadow_created_at(shadow_name("20261201T140000Z-0000"));
  std::vector<DatabaseSeen> seen = {
      {shadow_name("20261201T130000Z-aaaa"), 0},  // an hour old, nobody connected: dropped
      {shadow_name("20261201T130000Z-bbbb"), 2},  // connected: a rehearsal still running
      {shadow_name("20261201T135930Z-cccc"), 0},  // 30 s old: may be between CREATE and restore
      {"orchestrate_rehearsal_by_hand", 0},       // not one of ours by its name
      {shadow_name("20261201T120000Z-dddd"), 0, true},  // kept by --keep: the user's
  };
  EXPECT_EQ(stale_shadows(seen, now, 120s), std::vector<std::string>{shadow_name("20261201T130000Z-aaaa")});
}

TEST(Rehearse, UrlsGetTheShadowsNameAndLoseThePasswordForTheTools) {
  EXPECT_EQ(*url_with_database("postgresql://u:p@h:5432/app?sslmode=require", "s"), "postgresql://u:p@h:5432/s?sslmode=require");
  EXPECT_EQ(*url_with_database("postgresql://h", "s"), "postgresql://h/s");
  EXPECT_EQ(*url_with_database("postgresql://u:p%2Fq@h/app", "s"), "postgresql://u:p%2Fq@h/s");
  EXPECT_FALSE(url_with_database("host=h dbname=app", "s"));
  EXPECT_FALSE(url_with_database("postgresql://h/?dbname=app", "s"));
  auto p = split_password("postgresql://u:p%40ss@h:5432/app");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->without_password, "postgresql://u@h:5432/app");
  EXPECT_EQ(p->password, "p@ss");
  EXPECT_EQ(split_password("postgresql://u@h/app")->password, "");
}

TEST(Rehearse, LocksReadWithTheTargetsSizesAndAccessExclusiveOnRowsIsAFinding) {
  TableSizes sizes = {{"meals.meals", {1.2e6, 380LL << 20, 300LL << 20}}, {"meals.empty", {0, 8192, 0}}};
  std::vector<MigrationLocks> taken = {
      {"meals", "meals/0004_idx.sql", {{"meals", "meals", "ShareLock"}}},
      {"meals", "meals/0005_col.sql",
       {{"meals", "empty", "AccessExclusiveLock"}, {"meals", "meals", "AccessShareLock"}, {"meals", "meals", "AccessExclusiveLock"}}},
      {"meals", "meals/0006_new.sql", {{"meals", "fresh", "AccessExclusiveLock"}}},
  };
  LintPolicy lint;
  auto lines = describe_locks(taken, sizes, "production", lint);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].text,
            "meals/0004_idx.sql takes ShareLock on meals.meals (~1.2M rows, 380 MB on production): "
            "blocks writes until its transaction commits");
  EXPECT_FALSE(lines[0].finding);
  // Strongest first within a migration; only the table with rows makes a finding.
  EXPECT_EQ(lines[1].text.find("meals/0005_col.sql takes AccessExclusiveLock on meals.empty (~0 rows"), 0u) << lines[1].text;
  EXPECT_FALSE(lines[1].finding);
  EXPECT_TRUE(lines[2].finding);
  EXPECT_NE(lines[2].text.find("[access-exclusive-on-large-table]"), std::string::npos);
  EXPECT_FALSE(lines[2].denied);
  EXPECT_NE(lines[4].text.find("meals.fresh (new in this run)"), std::string::npos) << lines[4].text;

  lint.deny = {"access-exclusive-on-large-table"};
  EXPECT_TRUE(describe_locks(taken, sizes, "production", lint)[2].denied);
  lint = LintPolicy{};
  lint.allow = {"access-exclusive-on-large-table"};
  EXPECT_FALSE(describe_locks(taken, sizes, "production", lint)[2].finding);
}

// plan --sql --out's names: deterministic (never the clock), in apply order, and a file DIR already holds
// keeps its name, so a second run writes nothing new.
#include <gtest/gtest.h>

#include "engine/plan_files.h"

using namespace orch;

namespace {

std::vector<PlannedFile> files_of(const std::vector<std::string>& identities) {
  std::vector<PlannedFile> out;
  for (const auto& id : identities) out.push_back({id, id, "-- " + id + "\n"});
  return out;
}

}  // namespace

TEST(PlanFiles, FlatNamesAreASequenceInApplyOrder) {
  auto names = plan_file_names(files_of({"users_5a1c", "users_7f3d", "habits_189b"}), {}, "flat");
  EXPECT_EQ(names, (std::vector<std::string>{"0001_users_5a1c.sql", "0002_users_7f3d.sql", "0003_habits_189b.sql"}));
}

TEST(PlanFiles, SupabaseTimestampsComeFromAFixedBaseNotTheClock) {
  auto names = plan_file_names(files_of({"users_5a1c", "habits_189b"}), {}, "supabase");
  EXPECT_EQ(names, (std::vector<std::string>{"20000101000001_users_5a1c.sql", "20000101000002_habits_189b.sql"}));
  EXPECT_EQ(plan_file_names(files_of({"users_5a1c", "habits_189b"}), {}, "supabase"), names);  // same inputs, same names
  // Seconds carry into minutes, hours and days.
  auto late = plan_file_names(files_of({"a_1", "b_2"}), {"20241231235959_hand_written.sql"}, "supabase");
  EXPECT_EQ(late, (std::vector<std::string>{"20250101000000_a_1.sql", "20250101000001_b_2.sql"}));
}

TEST(PlanFiles, AFileDirHoldsKeepsItsNameAndNewOnesComeAfterEverything) {
  std::vector<std::string> existing = {"0001_users_5a1c.sql", "0002_habits_189b.sql", "README.md", "0003_rls_abc.sql"};
  auto names = plan_file_names(files_of({"users_5a1c", "habits_189b", "habits_2a3f", "rls_def"}), existing, "flat");
  EXPECT_EQ(names, (std::vector<std::string>{"0001_users_5a1c.sql", "0002_habits_189b.sql", "0004_habits_2a3f.sql",
                                             "0005_rls_def.sql"}));
  auto supa = plan_file_names(files_of({"users_5a1c", "meals_0002"}),
                              {"20000101000001_users_5a1c.sql", "20240102093000_note_count.sql"}, "supabase");
  EXPECT_EQ(supa, (std::vector<std::string>{"20000101000001_users_5a1c.sql", "20240102093001_meals_0002.sql"}));
}

// The typed states (ServiceState, a rollout's TargetState and RolloutOutcome): every value's word reads
// back as that value, the words are the documented ones, and an unknown word in a rollout's state is an
// error that names it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "report/service_state.h"
#include "rollout/rollout_state.h"
#include "util/fatal.h"

using namespace orch;

TEST(TypedStates, EveryServiceStateRoundTripsThroughItsWord) {
  std::set<std::string> words;
  for (ServiceState s : kServiceStates) {
    words.insert(to_string(s));
    ASSERT_TRUE(parse_service_state(to_string(s))) << to_string(s);
    EXPECT_EQ(*parse_service_state(to_string(s)), s);
  }
  // docs/status-json.md's words, each once.
  EXPECT_EQ(words, (std::set<std::string>{"up-to-date", "pending", "ahead/unknown", "not-initialised",
                                          "tables-without-version", "unreachable", "error", "untracked"}));
  EXPECT_FALSE(parse_service_state("up_to_date"));
}

TEST(TypedStates, AServiceStateInJsonIsItsWord) {
  nlohmann::json j = {{"state", ServiceState::TablesWithoutVersion}};
  EXPECT_EQ(j.dump(), R"({"state":"tables-without-version"})");
}

TEST(TypedStates, EveryTargetStateAndRolloutOutcomeRoundTrips) {
  std::set<std::string> targets, outcomes;
  for (TargetState s : kTargetStates) {
    targets.insert(to_string(s));
    ASSERT_TRUE(parse_target_state(to_string(s))) << to_string(s);
    EXPECT_EQ(*parse_target_state(to_string(s)), s);
    EXPECT_EQ(target_state_from(to_string(s), "t"), s);
  }
  for (RolloutOutcome o : kRolloutOutcomes) {
    outcomes.insert(to_string(o));
    ASSERT_TRUE(parse_rollout_outcome(to_string(o))) << to_string(o);
    EXPECT_EQ(*parse_rollout_outcome(to_string(o)), o);
    EXPECT_EQ(rollout_outcome_from(to_string(o), "r"), o);
  }
  EXPECT_EQ(targets, (std::set<std::string>{"pending", "running", "succeeded", "failed", "interrupted", "not-reached"}));
  EXPECT_EQ(outcomes, (std::set<std::string>{"running", "succeeded", "failed", "halted", "interrupted"}));
}

TEST(TypedStates, TheStateFileKeepsTheWordsAndReadsThemBack) {
  RolloutState st;
  st.run_id = "R1";
  st.outcome = RolloutOutcome::Halted;
  WaveOutcome w;
  w.name = "canary";
  for (TargetState s : kTargetStates) {
    TargetOutcome t;
    t.name = std::string("t-") + to_string(s);
    t.state = s;
    w.targets.push_back(t);
  }
  st.waves.push_back(w);
  auto j = st.to_json();
  EXPECT_EQ(j["outcome"], "halted");
  EXPECT_EQ(j["waves"][0]["targets"][5]["state"], "not-reached");
  EXPECT_EQ(j["waves"][0]["totals"]["not_reached"], 1);
  RolloutState back = RolloutState::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.outcome, RolloutOutcome::Halted);
  ASSERT_EQ(back.waves[0].targets.size(), w.targets.size());
  for (size_t i = 0; i < w.targets.size(); ++i) EXPECT_EQ(back.waves[0].targets[i].state, w.targets[i].state);
}

TEST(TypedStates, AnUnknownWordInTheStateFileIsAnErrorNamingIt) {
  auto dir = std::filesystem::temp_directory_path() / ("orch-typed-states-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  RolloutState st;
  st.run_id = "R2";
  WaveOutcome w;
  w.name = "canary";
  TargetOutcome t;
  t.name = "eu-1";
  w.targets.push_back(t);
  st.waves.push_back(w);
  auto j = st.to_json();
  j["waves"][0]["targets"][0]["state"] = "done";
  std::ofstream(dir / "R2.json") << j.dump();
  try {
    RolloutState::load(dir, "R2");
    FAIL() << "an unknown target state was read";
  } catch (const Fatal& e) {
    EXPECT_NE(e.error().message.find("unknown target state \"done\""), std::string::npos) << e.error().message;
    EXPECT_NE(e.error().message.find("eu-1"), std::string::npos) << e.error().message;
    EXPECT_NE(e.error().message.find("not-reached"), std::string::npos) << e.error().message;  // the known words
    EXPECT_EQ(e.error().where, (dir / "R2.json").string());
  }
  j["waves"][0]["targets"][0]["state"] = "pending";
  j["outcome"] = "finished";
  std::ofstream(dir / "R2.json", std::ios::trunc) << j.dump();
  try {
    RolloutState::load(dir, "R2");
    FAIL() << "an unknown rollout outcome was read";
  } catch (const Fatal& e) {
    EXPECT_NE(e.error().message.find("unknown rollout outcome \"finished\""), std::string::npos) << e.error().message;
  }
  std::filesystem::remove_all(dir);
}

TEST(TypedStates, AnUnknownWordFromTheStateDatabaseIsAnErrorNamingIt) {
  try {
    target_state_from("done", "target eu-1 in the state database");
    FAIL();
  } catch (const Fatal& e) {
    EXPECT_NE(e.error().message.find("\"done\" for target eu-1 in the state database"), std::string::npos)
        << e.error().message;
  }
  EXPECT_THROW(rollout_outcome_from("", "rollout R"), Fatal);
}

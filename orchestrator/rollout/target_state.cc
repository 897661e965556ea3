#include "rollout/target_state.h"

#include "util/enum_words.h"
#include "util/fatal.h"
#include "util/text.h"

namespace orch {

const char* to_string(TargetState s) {
  switch (s) {
    case TargetState::Pending: return "pending";
    case TargetState::Running: return "running";
    case TargetState::Succeeded: return "succeeded";
    case TargetState::Failed: return "failed";
    case TargetState::Interrupted: return "interrupted";
    case TargetState::NotReached: return "not-reached";
  }
  return "failed";
}

const char* to_string(RolloutOutcome o) {
  switch (o) {
    case RolloutOutcome::Running: return "running";
    case RolloutOutcome::Succeeded: return "succeeded";
    case RolloutOutcome::Failed: return "failed";
    case RolloutOutcome::Halted: return "halted";
    case RolloutOutcome::Interrupted: return "interrupted";
  }
  return "failed";
}

std::optional<TargetState> parse_target_state(std::string_view word) { return enum_from_word(word, kTargetStates); }

std::optional<RolloutOutcome> parse_rollout_outcome(std::string_view word) { return enum_from_word(word, kRolloutOutcomes); }

namespace {

template <class Enum, size_t N>
std::string known(const Enum (&all)[N]) {
  std::vector<std::string> words;
  for (Enum e : all) words.push_back(to_string(e));
  return join(words, ", ");
}

}  // namespace

TargetState target_state_from(std::string_view word, const std::string& whose) {
  if (auto s = parse_target_state(word)) return *s;
  throw Fatal(Error{"unknown target state \"" + std::string(word) + "\" for " + whose + " (known: " +
                           known(kTargetStates) + "): the state was written by another orchestrate version or by hand"});
}

RolloutOutcome rollout_outcome_from(std::string_view word, const std::string& whose) {
  if (auto o = parse_rollout_outcome(word)) return *o;
  throw Fatal(Error{"unknown rollout outcome \"" + std::string(word) + "\" for " + whose + " (known: " +
                           known(kRolloutOutcomes) + "): the state was written by another orchestrate version or by hand"});
}

}  // namespace orch

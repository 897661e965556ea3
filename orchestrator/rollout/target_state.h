#pragma once
// Where a rollout's target stands, and how the rollout ended: enums inside, their words at the edges
// (the JSON state file, the state database's text columns, the printed lines). The words are the ones
// docs/rollout.md and the state file have always used.
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace orch {

enum class TargetState { Pending, Running, Succeeded, Failed, Interrupted, NotReached };
enum class RolloutOutcome { Running, Succeeded, Failed, Halted, Interrupted };

constexpr TargetState kTargetStates[] = {TargetState::Pending,  TargetState::Running,     TargetState::Succeeded,
                                         TargetState::Failed,   TargetState::Interrupted, TargetState::NotReached};
constexpr RolloutOutcome kRolloutOutcomes[] = {RolloutOutcome::Running, RolloutOutcome::Succeeded, RolloutOutcome::Failed,
                                               RolloutOutcome::Halted, RolloutOutcome::Interrupted};

// "pending", "running", "succeeded", "failed", "interrupted", "not-reached".
const char* to_string(TargetState s);
// "running", "succeeded", "failed", "halted", "interrupted".
const char* to_string(RolloutOutcome o);
std::optional<TargetState> parse_target_state(std::string_view word);
std::optional<RolloutOutcome> parse_rollout_outcome(std::string_view word);

// For a word read from the state file or the state database: the state, or a Fatal that names the
// word, whose it is (`whose`: "target eu-1 of wave canary") and the words known.
TargetState target_state_from(std::string_view word, const std::string& whose);
RolloutOutcome rollout_outcome_from(std::string_view word, const std::string& whose);

inline bool ended(TargetState s) { return s != TargetState::Pending && s != TargetState::Running; }

inline std::ostream& operator<<(std::ostream& out, TargetState s) { return out << to_string(s); }
inline std::ostream& operator<<(std::ostream& out, RolloutOutcome o) { return out << to_string(o); }
// nlohmann::json finds these by ADL: a state in JSON is its word, never its number.
template <class Json>
void to_json(Json& j, TargetState s) { j = to_string(s); }
template <class Json>
void to_json(Json& j, RolloutOutcome o) { j = to_string(o); }

}  // namespace orch

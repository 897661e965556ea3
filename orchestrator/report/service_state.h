#pragma once
// Where a service stands on one target, as `status` derives it once: the printers, the JSON
// (docs/status-json.md) and the checks take this enum; `to_string` gives the word they print.
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace orch {

enum class ServiceState {
  UpToDate,
  Pending,
  Ahead,                 // the database holds a version the files do not know
  NotInitialised,
  TablesWithoutVersion,
  Unreachable,
  Error,
  Untracked,             // command runner: orchestrate cannot see its versions
};

// Every value, in declaration order (the round-trip test walks it).
constexpr ServiceState kServiceStates[] = {ServiceState::UpToDate,       ServiceState::Pending,
                                           ServiceState::Ahead,          ServiceState::NotInitialised,
                                           ServiceState::TablesWithoutVersion, ServiceState::Unreachable,
                                           ServiceState::Error,          ServiceState::Untracked};

// The one place the words live: "up-to-date", "pending", "ahead/unknown", "not-initialised",
// "tables-without-version", "unreachable", "error", "untracked".
const char* to_string(ServiceState s);
std::optional<ServiceState> parse_service_state(std::string_view word);
inline std::ostream& operator<<(std::ostream& out, ServiceState s) { return out << to_string(s); }
// nlohmann::json finds this by ADL (it is more specialised than its own enum-as-number one): a state put
// in JSON is its word, never its number.
template <class Json>
void to_json(Json& j, ServiceState s) { j = to_string(s); }

// The states by the names the call sites already spell.
namespace service_state {
constexpr ServiceState kUpToDate = ServiceState::UpToDate;
constexpr ServiceState kPending = ServiceState::Pending;
constexpr ServiceState kAhead = ServiceState::Ahead;
constexpr ServiceState kNotInitialised = ServiceState::NotInitialised;
constexpr ServiceState kTablesWithoutVersion = ServiceState::TablesWithoutVersion;
constexpr ServiceState kUnreachable = ServiceState::Unreachable;
constexpr ServiceState kError = ServiceState::Error;
constexpr ServiceState kUntracked = ServiceState::Untracked;
}  // namespace service_state

}  // namespace orch

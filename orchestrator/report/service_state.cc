#include "report/service_state.h"

#include "util/enum_words.h"

namespace orch {

const char* to_string(ServiceState s) {
  switch (s) {
    case ServiceState::UpToDate: return "up-to-date";
    case ServiceState::Pending: return "pending";
    case ServiceState::Ahead: return "ahead/unknown";
    case ServiceState::NotInitialised: return "not-initialised";
    case ServiceState::TablesWithoutVersion: return "tables-without-version";
    case ServiceState::Unreachable: return "unreachable";
    case ServiceState::Error: return "error";
    case ServiceState::Untracked: return "untracked";
  }
  return "error";
}

std::optional<ServiceState> parse_service_state(std::string_view word) { return enum_from_word(word, kServiceStates); }

}  // namespace orch

#include "report/state_hint.h"

#include "util/text.h"

namespace orch {

std::string state_hint(const ServiceStatus& s) {
  std::string newest = s.heads.empty() ? "" : " (the newest in its files is " + join(s.heads, "+") + ")";
  if (s.state == service_state::kTablesWithoutVersion)
    return "record the revision its tables match: orchestrate baseline " + s.name + " --to REV" + newest;
  if (s.state == service_state::kAhead)
    return "restore the revision files this database was migrated with (it holds " + join(s.current, "+") +
           "), or record the revision it matches: orchestrate baseline " + s.name + " --to REV --force" + newest;
  return "";
}

bool up_refuses(const ServiceStatus& s) {
  return s.state == service_state::kTablesWithoutVersion || s.state == service_state::kAhead;
}

}  // namespace orch

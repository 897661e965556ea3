#include "cli/status_loading.h"

namespace orch {

void mark_missing_dirs(std::vector<StatusReport>& reports, const MissingDirs& missing) {
  for (auto& r : reports)
    for (auto& s : r.services) {
      auto it = missing.find(s.name);
      if (it == missing.end()) continue;
      // What the inspector read from the missing files (nothing) is not a state; the database's
      // revision (`current`) still is.
      s.state = service_state::kError;
      s.detail = it->second.pos.str() + ": " + it->second.message + "; " + it->second.hint;
      s.heads.clear();
      s.pending.clear();
      s.pending_messages.clear();
      s.branches.clear();
    }
}

}  // namespace orch

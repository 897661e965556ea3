#include "engine/up_refusals.h"

#include "report/state_hint.h"

namespace orch {

Status refuse_doomed_services(const StatusReport& before, const std::vector<int>& selected) {
  std::string what, hint;
  int n = 0;
  for (int i : selected) {
    if (i < 0 || static_cast<size_t>(i) >= before.services.size()) continue;
    const ServiceStatus& s = before.services[i];
    if (!up_refuses(s)) continue;
    ++n;
    what += (what.empty() ? "" : "; ") + s.name + " is " + to_string(s.state) + ": " + s.detail;
    hint += (hint.empty() ? "" : "\n") + s.name + ": " + state_hint(s);
  }
  if (!n) return ok();
  return Error{"refusing to run: " + what + "; nothing was changed", "", hint, 3};
}

}  // namespace orch

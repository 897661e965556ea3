#include "cli/confirm.h"

#include <unistd.h>

#include <iostream>

#include "util/exit_codes.h"
#include "inspect/status_inspector.h"
#include "status/terminal_caps.h"
#include "util/text.h"

namespace orch {

Status confirm(const std::string& question, bool yes) {
  if (yes) return ok();
  if (!TerminalCaps::current().can_ask()) {
    std::cerr << "error: refusing to " << question << " without confirmation: no terminal to ask on; pass --yes\n";
    return Error{"no terminal to ask on", "", "", 2};
  }
  std::cout << question << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "y" || answer == "Y" || answer == "yes") return ok();
  std::cout << "nothing changed\n";
  return Error{"declined", "", "", 0};
}

bool ask_yes_no(const std::string& question) {
  if (!TerminalCaps::current().can_ask()) return false;
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

Status confirm_protected(const Manifest& m, const std::vector<ResolvedTarget>& targets, bool yes) {
  std::vector<const ResolvedTarget*> prot;
  for (const auto& t : targets)
    if (t.is_protected) prot.push_back(&t);
  if (prot.empty() || yes) return ok();
  std::vector<std::string> names;
  for (auto* t : prot) names.push_back(t->name);
  if (!TerminalCaps::current().can_ask()) {
    std::cerr << "error: " << join(names, ", ") << (prot.size() == 1 ? " is a protected target" : " are protected targets")
              << "; refusing to change " << (prot.size() == 1 ? "it" : "them")
              << " without confirmation, and there is no terminal to ask on\n  hint: pass --yes once you have "
                 "reviewed `orchestrate plan --target "
              << names.front() << "`\n";
    return Error{"protected targets and no terminal to ask on", "", "", 2};
  }
  std::cout << "protected target" << (prot.size() == 1 ? "" : "s") << ":\n";
  for (auto* t : prot) {
    StatusReport st = inspect_status(m, t->url, t->name);
    int pending = 0;
    std::vector<std::string> what;
    for (const auto& s : st.services) {
      pending += static_cast<int>(s.pending.size());
      if (!s.pending.empty()) what.push_back(s.name + " +" + std::to_string(s.pending.size()));
    }
    std::cout << "  " << t->name << " (" << st.database << "): "
              << (pending ? std::to_string(pending) + " pending: " + join(what, ", ") : std::string("nothing pending"))
              << "\n";
  }
  return confirm("apply to " + join(names, ", "), false);
}

}  // namespace orch

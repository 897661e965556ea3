#include "report/rollout_report.h"

#include "report/text_table.h"
#include "util/secrets.h"

namespace orch {

void render_rollout_matrix(const Manifest& m, const RolloutState& st, std::ostream& out, bool color) {
  std::vector<std::vector<std::string>> rows = {{"WAVE", "TARGET", "STATE"}};
  for (const auto& s : m.services) rows[0].push_back(s.name);
  for (const auto& w : st.waves)
    for (const auto& t : w.targets) {
      std::vector<std::string> row = {w.name, t.name, to_string(t.state)};
      for (const auto& s : m.services) {
        auto it = t.services.find(s.name);
        row.push_back(it == t.services.end() ? "-" : it->second);
      }
      rows.push_back(row);
    }
  auto paint = [&](const std::string& cell) -> const char* {
    if (!color || cell == "-") return "";
    if (cell == "succeeded" || cell == "applied" || cell == "up-to-date") return "\x1b[32m";
    return cell == "failed" ? "\x1b[31m" : "\x1b[33m";
  };
  out << "\n";
  write_table(out, rows, [&](size_t row, size_t col, const std::string& cell) {
    return row > 0 && col >= 2 ? paint(cell) : "";
  });
  out << "\n";
  for (const auto& w : st.waves)
    out << "wave " << w.name << ": " << w.count(TargetState::Succeeded) << " succeeded, " << w.count(TargetState::Failed)
        << " failed, " << w.count(TargetState::NotReached) << " not reached"
        << (w.count(TargetState::Interrupted) ? ", " + std::to_string(w.count(TargetState::Interrupted)) + " interrupted"
                                              : "")
        << " (of "
        << w.targets.size() << "; error budget " << w.max_failures << ")\n";
  for (const auto& w : st.waves)
    for (const auto& t : w.targets)
      if (!t.detail.empty() && t.state != TargetState::Succeeded) out << "  " << t.name << ": " << secrets::scrub(t.detail) << "\n";
}


}  // namespace orch

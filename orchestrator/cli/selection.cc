#include "cli/selection.h"

#include <iostream>

#include "graph/service_graph.h"
#include "util/text.h"

namespace orch {

int service_index_or_explain(const Manifest& m, const std::string& name, const std::string& context) {
  std::vector<std::string> names;
  for (size_t i = 0; i < m.services.size(); ++i) {
    if (m.services[i].name == trim(name)) return static_cast<int>(i);
    names.push_back(m.services[i].name);
  }
  std::string guess = closest_match(name, names);
  std::cerr << "error: " << context << "\"" << name << "\" is not a service in " << m.file.string() << "\n  hint: "
            << (guess.empty() ? "services: " + join(names, ", ") : "did you mean \"" + guess + "\"?") << "\n";
  return -1;
}

std::optional<std::vector<int>> select_services(const Manifest& m, const std::vector<std::string>& only) {
  std::vector<int> selected;
  if (only.empty()) {
    for (size_t i = 0; i < m.services.size(); ++i) selected.push_back(static_cast<int>(i));
    return selected;
  }
  std::vector<int> roots;
  for (const auto& n : only) {
    int i = service_index_or_explain(m, n, "--only names ");
    if (i < 0) return std::nullopt;
    roots.push_back(i);
  }
  return m.graph->with_dependencies(roots);
}

std::vector<ReportTarget> reports_for_target(const std::vector<ReportTarget>& in, const std::string& target, bool several) {
  if (!several) return in;
  std::vector<ReportTarget> out = in;
  for (auto& r : out) {
    auto dot = r.path.rfind('.');
    auto slash = r.path.rfind('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) r.path += "." + target;
    else r.path = r.path.substr(0, dot) + "." + target + r.path.substr(dot);
  }
  return out;
}

}  // namespace orch

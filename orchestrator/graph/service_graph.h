#pragma once
// The services and their depends_on edges as a graph: cycles, dependency closures, topological order.
#include <string>
#include <vector>

namespace orch {

// The graph knows nothing of the manifest (which builds and validates it): anything with a `name` and
// a `depends_on` list of names makes a node.
class ServiceGraph {
 public:
  // Unknown depends_on names are ignored here; the manifest loader reports them.
  template <typename Services>
  explicit ServiceGraph(const Services& services) {
    std::vector<std::vector<std::string>> deps;
    for (const auto& s : services) {
      names_.push_back(s.name);
      deps.push_back(s.depends_on);
    }
    link(deps);
  }

  size_t size() const { return names_.size(); }
  const std::string& name(size_t i) const { return names_[i]; }
  int index(const std::string& name) const;  // -1 when unknown
  const std::vector<int>& dependencies(size_t i) const { return deps_[i]; }
  const std::vector<int>& dependents(size_t i) const { return dependents_[i]; }

  // A cycle as names, first repeated at the end ("a", "b", "a"); empty when the graph is a DAG.
  std::vector<std::string> find_cycle() const;

  // The named services and everything they depend on, transitively, in manifest order.
  std::vector<int> with_dependencies(const std::vector<int>& roots) const;

  // Everything that depends on `i`, transitively (not `i` itself), in manifest order.
  std::vector<int> transitive_dependents(size_t i) const;

  // Waves of services that could run together if nothing else limited them: wave k holds the services
  // whose longest dependency chain has length k.
  std::vector<std::vector<int>> waves() const;

 private:
  void link(const std::vector<std::vector<std::string>>& depends_on);
  std::vector<std::string> names_;
  std::vector<std::vector<int>> deps_;
  std::vector<std::vector<int>> dependents_;
};

}  // namespace orch

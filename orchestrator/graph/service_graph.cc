#include "graph/service_graph.h"

#include <algorithm>
#include <functional>

namespace orch {

void ServiceGraph::link(const std::vector<std::vector<std::string>>& depends_on) {
  deps_.resize(names_.size());
  dependents_.resize(names_.size());
  for (size_t i = 0; i < depends_on.size(); ++i) {
    for (const auto& d : depends_on[i]) {
      int j = index(d);
      if (j < 0 || static_cast<size_t>(j) == i) continue;
      if (std::find(deps_[i].begin(), deps_[i].end(), j) != deps_[i].end()) continue;
      deps_[i].push_back(j);
      dependents_[j].push_back(static_cast<int>(i));
    }
  }
}

int ServiceGraph::index(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> ServiceGraph::find_cycle() const {
  enum Mark { White, Grey, Black };
  std::vector<Mark> mark(size(), White);
  std::vector<int> stack;
  std::vector<std::string> cycle;
  std::function<bool(int)> visit = [&](int v) {
    mark[v] = Grey;
    stack.push_back(v);
    for (int d : deps_[v]) {
      if (mark[d] == Grey) {
        auto it = std::find(stack.begin(), stack.end(), d);
        for (; it != stack.end(); ++it) cycle.push_back(names_[*it]);
        cycle.push_back(names_[d]);
        return true;
      }
      if (mark[d] == White && visit(d)) return true;
    }
    stack.pop_back();
    mark[v] = Black;
    return false;
  };
  for (size_t i = 0; i < size(); ++i)
    if (mark[i] == White && visit(static_cast<int>(i))) return cycle;
  return {};
}

std::vector<int> ServiceGraph::with_dependencies(const std::vector<int>& roots) const {
  std::vector<bool> in(size(), false);
  std::vector<int> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    int v = todo.back();
    todo.pop_back();
    if (in[v]) continue;
    in[v] = true;
    for (int d : deps_[v]) todo.push_back(d);
  }
  std::vector<int> out;
  for (size_t i = 0; i < size(); ++i)
    if (in[i]) out.push_back(static_cast<int>(i));
  return out;
}

std::vector<int> ServiceGraph::transitive_dependents(size_t i) const {
  std::vector<bool> in(size(), false);
  std::vector<int> todo(dependents_[i].begin(), dependents_[i].end());
  while (!todo.empty()) {
    int v = todo.back();
    todo.pop_back();
    if (in[v]) continue;
    in[v] = true;
    for (int d : dependents_[v]) todo.push_back(d);
  }
  std::vector<int> out;
  for (size_t k = 0; k < size(); ++k)
    if (in[k]) out.push_back(static_cast<int>(k));
  return out;
}

std::vector<std::vector<int>> ServiceGraph::waves() const {
  std::vector<int> depth(size(), -1);
  std::function<int(int)> d = [&](int v) {
    if (depth[v] >= 0) return depth[v];
    int best = 0;
    for (int p : deps_[v]) best = std::max(best, d(p) + 1);
    return depth[v] = best;
  };
  std::vector<std::vector<int>> out;
  for (size_t i = 0; i < size(); ++i) {
    int k = d(static_cast<int>(i));
    if (static_cast<int>(out.size()) <= k) out.resize(k + 1);
    out[k].push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace orch

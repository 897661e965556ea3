#include "scheduler/plan.h"

#include "graph/service_graph.h"

namespace orch {

const char* to_string(NodeState s) {
  switch (s) {
    case NodeState::Waiting: return "waiting";
    case NodeState::Running: return "running";
    case NodeState::Succeeded: return "succeeded";
    case NodeState::Failed: return "failed";
    case NodeState::Skipped: return "skipped";
  }
  return "?";
}

Plan::Plan(const std::vector<ServiceSpec>& services, const std::vector<int>& selected, PlanOptions opts)
    : Plan(services, ServiceGraph(services), selected, opts) {}

Plan::Plan(const std::vector<ServiceSpec>& services, const ServiceGraph& g, const std::vector<int>& selected,
           PlanOptions opts)
    : services_(services), opts_(opts), nodes_(services.size()) {
  if (opts_.max_parallel < 1) opts_.max_parallel = 1;
  for (size_t i = 0; i < services.size(); ++i) {
    nodes_[i].deps = g.dependencies(i);
    nodes_[i].dependents = g.dependents(i);
  }
  for (int i : selected) nodes_[i].selected = true;
}

void Plan::put_back(int i) {
  if (nodes_[i].state != NodeState::Running) return;
  nodes_[i].state = NodeState::Waiting;
  --running_;
}

std::vector<int> Plan::take_ready() {
  std::vector<int> out;
  if (stopped_) return out;
  bool exclusive_running = false;
  std::vector<const std::string*> busy_schemas;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].state != NodeState::Running) continue;
    if (services_[i].exclusive) exclusive_running = true;
    busy_schemas.push_back(&services_[i].schema);
  }
  if (exclusive_running) return out;

  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    if (!n.selected || n.state != NodeState::Waiting) continue;
    bool deps_ok = true;
    for (int d : n.deps)
      if (nodes_[d].selected && nodes_[d].state != NodeState::Succeeded) deps_ok = false;
    if (!deps_ok) continue;
    if (running_ >= opts_.max_parallel) break;
    const ServiceSpec& s = services_[i];
    if (s.exclusive) {
      // Next in line and exclusive: it waits for the running ones to drain and nothing overtakes it.
      if (running_ > 0) break;
      n.state = NodeState::Running;
      ++running_;
      out.push_back(static_cast<int>(i));
      break;
    }
    bool schema_busy = false;
    for (const auto* b : busy_schemas)
      if (*b == s.schema) schema_busy = true;
    if (schema_busy) continue;
    n.state = NodeState::Running;
    ++running_;
    busy_schemas.push_back(&s.schema);
    out.push_back(static_cast<int>(i));
  }
  return out;
}

void Plan::skip_dependents(int i) {
  for (int d : nodes_[i].dependents) {
    Node& n = nodes_[d];
    if (!n.selected || n.state != NodeState::Waiting) continue;
    n.state = NodeState::Skipped;
    n.reason = "needs " + services_[i].name;
    skip_dependents(d);
  }
}

void Plan::finished(int i, bool ok) {
  Node& n = nodes_[i];
  if (n.state == NodeState::Running) --running_;
  n.state = ok ? NodeState::Succeeded : NodeState::Failed;
  if (!ok) {
    skip_dependents(i);
    if (opts_.fail_fast) stop_starting("fail-fast: " + services_[i].name + " failed");
  }
}

void Plan::stop_starting(const std::string& reason) {
  stopped_ = true;
  for (auto& n : nodes_) {
    if (n.selected && n.state == NodeState::Waiting) {
      n.state = NodeState::Skipped;
      n.reason = reason;
    }
  }
}

bool Plan::done() const {
  if (running_ > 0) return false;
  for (const auto& n : nodes_)
    if (n.selected && n.state == NodeState::Waiting) return false;
  return true;
}

}  // namespace orch

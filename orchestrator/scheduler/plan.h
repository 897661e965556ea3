#pragma once
// What may run now (ninja's Plan). Pure bookkeeping, no I/O: the Builder asks for ready services,
// reports them finished, and the Plan propagates failures to dependents. Rules:
//  - a service starts only when every dependency succeeded;
//  - at most max_parallel run at once;
//  - services sharing a schema never run together;
//  - an exclusive service runs alone, and once it is next in line nothing new starts before it.
#include <string>
#include <vector>

#include "graph/service_graph.h"
#include "manifest/manifest.h"

namespace orch {

enum class NodeState { Waiting, Running, Succeeded, Failed, Skipped };
const char* to_string(NodeState s);

struct PlanOptions {
  int max_parallel = 4;
  bool fail_fast = false;
};

class Plan {
 public:
  // `selected` are indexes into `services`, the ones this run covers (all, or --only plus dependencies).
  Plan(const std::vector<ServiceSpec>& services, const std::vector<int>& selected, PlanOptions opts);
  // With the graph already built (the manifest's), so one run builds it once.
  Plan(const std::vector<ServiceSpec>& services, const ServiceGraph& graph, const std::vector<int>& selected,
       PlanOptions opts);

  // Services that may start now, in manifest order; they are marked Running.
  std::vector<int> take_ready();

  // Records the end of a running service. A failure skips every (transitive) dependent and, with
  // fail_fast, everything not yet started.
  void finished(int i, bool ok);

  // Returns a service take_ready() handed out, unstarted, to Waiting (a start gate said no).
  void put_back(int i);

  // Nothing new starts from now on (interrupt, or fail-fast); waiting services become Skipped with
  // `reason`.
  void stop_starting(const std::string& reason);

  bool done() const;  // nothing running and nothing left that can start
  int running() const { return running_; }
  NodeState state(int i) const { return nodes_[i].state; }
  const std::string& reason(int i) const { return nodes_[i].reason; }
  bool selected(int i) const { return nodes_[i].selected; }

 private:
  struct Node {
    bool selected = false;
    NodeState state = NodeState::Waiting;
    std::string reason;
    std::vector<int> deps;
    std::vector<int> dependents;
  };
  void skip_dependents(int i);

  const std::vector<ServiceSpec>& services_;
  PlanOptions opts_;
  std::vector<Node> nodes_;
  int running_ = 0;
  bool stopped_ = false;
};

}  // namespace orch

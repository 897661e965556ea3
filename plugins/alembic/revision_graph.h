#pragma once
// The revision tree as Alembic 1.8's RevisionMap (alembic/script/revision.py) sees it: parents through
// down_revision, dependencies through depends_on (branch labels there resolved), children both ways,
// and branch labels propagated along the branch. Built once per RevisionSet; RevisionSet's graph
// methods (revision_graph.cc) read it.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "alembic/revision_reader.h"

namespace orch {

struct RevisionGraph {
  std::vector<std::string> rev;                // node -> revision id
  std::vector<int> order;                      // node -> load index (Alembic's map order)
  std::map<std::string, int> index;            // revision id -> node
  std::map<std::string, int> label_node;       // declared branch label -> the node declaring it
  std::vector<std::vector<int>> down;          // down_revision, in the order written
  std::vector<std::vector<int>> deps;          // depends_on resolved to nodes
  std::vector<std::vector<int>> norm_deps;     // deps no ancestor (through down_revision) depends on
  std::vector<std::vector<int>> norm_down;     // down + norm_deps
  std::vector<std::vector<int>> next;          // children through down_revision
  std::vector<std::vector<int>> all_next;      // children through down_revision or depends_on
  std::vector<std::set<std::string>> labels;   // propagated branch labels

  int node(const std::string& r) const {
    auto it = index.find(r);
    return it == index.end() ? -1 : it->second;
  }
  // `from` and every node reachable through norm_down (Alembic's _get_ancestor_nodes with dependencies).
  std::set<int> ancestors(const std::vector<int>& from) const;
  // `from` and every node reachable through down_revision only.
  std::set<int> versioned_ancestors(int from) const;
  std::set<int> versioned_descendants(int from) const;
};

// The graph of the readable files (those with an error are left out; `check` reports them).
std::shared_ptr<const RevisionGraph> build_revision_graph(const std::vector<RevisionFile>& files);

}  // namespace orch

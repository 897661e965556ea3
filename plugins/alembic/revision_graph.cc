// RevisionSet's graph: heads, what a target needs and in which order, the version rows an upgrade leaves,
// and branch labels, each as Alembic 1.8 decides it (alembic/script/revision.py, runtime/migration.py).
// Where Alembic's answer depends on Python's set order (several depends_on of one revision), the order
// written in the file is used.
#include "alembic/revision_graph.h"

#include <algorithm>

namespace orch {

namespace {

void add_unique(std::vector<int>& v, int x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

std::set<int> walk(const std::vector<int>& from, const std::vector<std::vector<int>>& edges) {
  std::set<int> seen;
  std::vector<int> todo(from.begin(), from.end());
  while (!todo.empty()) {
    int n = todo.back();
    todo.pop_back();
    if (n < 0 || !seen.insert(n).second) continue;
    for (int m : edges[n]) todo.push_back(m);
  }
  return seen;
}

// depends_on that an ancestor (through down_revision) already depends on are implied: Alembic's
// _normalize_depends_on drops them, and its upgrade order and version rows follow what is left. Only a
// dependency that several revisions name needs the ancestry walk, so a long tree stays linear.
void normalise_dependencies(RevisionGraph& g) {
  std::vector<std::vector<int>> named_by(g.rev.size());
  for (size_t n = 0; n < g.rev.size(); ++n)
    for (int d : g.deps[n]) named_by[d].push_back(static_cast<int>(n));
  for (size_t n = 0; n < g.rev.size(); ++n) {
    std::set<int> above;  // n's versioned ancestors, walked only when needed
    bool walked = false;
    for (int d : g.deps[n]) {
      bool implied = false;
      for (int other : named_by[d]) {
        if (other == static_cast<int>(n)) continue;
        if (!walked) above = g.versioned_ancestors(static_cast<int>(n)), walked = true;
        implied = implied || above.count(other) > 0;
      }
      if (!implied) g.norm_deps[n].push_back(d);
    }
    g.norm_down[n] = g.down[n];
    for (int d : g.norm_deps[n]) add_unique(g.norm_down[n], d);
  }
}

// Alembic's _add_branches: a label marks its revision and every descendant; when those form one chain
// with no branch point or merge, it also marks the ancestors down to the branch point, so a label written
// on a branch's head names the whole branch as well as one written on its first revision.
void propagate_labels(RevisionGraph& g, int declaring, const std::vector<std::string>& own) {
  std::set<int> below = g.versioned_descendants(declaring);
  for (int n : below) g.labels[n].insert(own.begin(), own.end());
  bool chain = std::all_of(below.begin(), below.end(), [&](int n) { return g.next[n].size() <= 1; });
  if (!chain) return;  // Alembic's downward walk stops at the branch point inside the labelled part
  int p = -1;
  for (int n : below)
    if (g.next[n].empty()) p = n;
  while (p >= 0 && g.all_next[p].size() <= 1 && g.down[p].size() <= 1) {
    g.labels[p].insert(own.begin(), own.end());
    p = g.down[p].empty() ? -1 : g.down[p][0];
  }
}

}  // namespace

std::set<int> RevisionGraph::ancestors(const std::vector<int>& from) const { return walk(from, norm_down); }
std::set<int> RevisionGraph::versioned_ancestors(int from) const { return walk({from}, down); }
std::set<int> RevisionGraph::versioned_descendants(int from) const { return walk({from}, next); }

std::shared_ptr<const RevisionGraph> build_revision_graph(const std::vector<RevisionFile>& files) {
  auto g = std::make_shared<RevisionGraph>();
  std::vector<const RevisionFile*> by_load;
  for (const auto& f : files)
    if (f.error.empty()) by_load.push_back(&f);
  std::stable_sort(by_load.begin(), by_load.end(), [](auto* a, auto* b) { return a->load_index < b->load_index; });
  std::vector<const RevisionFile*> file_of;
  for (const RevisionFile* f : by_load) {
    auto [it, fresh] = g->index.emplace(f->revision, static_cast<int>(g->rev.size()));
    if (fresh) {
      g->rev.push_back(f->revision);
      g->order.push_back(f->load_index);
      file_of.push_back(f);
    } else {
      file_of[it->second] = f;  // declared twice: Alembic keeps the later file (check reports it)
    }
  }
  const size_t n = g->rev.size();
  g->down.assign(n, {});
  g->deps.assign(n, {});
  g->norm_deps.assign(n, {});
  g->norm_down.assign(n, {});
  g->next.assign(n, {});
  g->all_next.assign(n, {});
  g->labels.assign(n, {});
  for (size_t i = 0; i < n; ++i)
    for (const auto& l : file_of[i]->branch_labels) g->label_node.emplace(l, static_cast<int>(i));
  for (size_t i = 0; i < n; ++i) {
    const int me = static_cast<int>(i);
    for (const auto& d : file_of[i]->down_revisions)
      if (int p = g->node(d); p >= 0) add_unique(g->down[i], p);
    for (const auto& d : file_of[i]->depends_on) {  // a revision id or a branch label
      auto l = g->label_node.find(d);
      int p = l != g->label_node.end() ? l->second : g->node(d);
      if (p >= 0 && p != me) add_unique(g->deps[i], p);
    }
    for (int p : g->down[i]) add_unique(g->next[p], me), add_unique(g->all_next[p], me);
    for (int p : g->deps[i]) add_unique(g->all_next[p], me);
  }
  normalise_dependencies(*g);
  for (size_t i = 0; i < n; ++i)
    if (!file_of[i]->branch_labels.empty()) propagate_labels(*g, static_cast<int>(i), file_of[i]->branch_labels);
  return g;
}

namespace {

// Alembic 1.8's RevisionMap._topological_sort, step for step: it walks down from the targets, one head
// at a time in load order, and moves to another head whenever that head still needs the candidate. It
// yields children first; the upgrade runs it reversed. A step bound guards against a cyclic tree, which
// `check` reports (the order then falls back to plain parents-first).
// A node's ancestors as a mask over the nodes: the sort asks "is X needed by head k?" for every step, and
// recomputes a head's ancestors at each merge or depends_on, so these must be cheap.
std::vector<char> ancestor_mask(const RevisionGraph& g, int from) {
  std::vector<char> mask(g.rev.size(), 0);
  std::vector<int> todo = {from};
  while (!todo.empty()) {
    int n = todo.back();
    todo.pop_back();
    if (mask[n]) continue;
    mask[n] = 1;
    for (int m : g.norm_down[n]) todo.push_back(m);
  }
  return mask;
}

std::vector<int> alembic_topological_sort(const RevisionGraph& g, std::set<int> todo, const std::vector<int>& targets) {
  const std::set<int> all_todo = todo;
  std::vector<int> heads;
  for (int t : targets)
    if (todo.count(t) && std::find(heads.begin(), heads.end(), t) == heads.end()) heads.push_back(t);
  std::sort(heads.begin(), heads.end(), [&](int a, int b) { return g.order[a] < g.order[b]; });
  std::vector<std::vector<char>> ancestors_of;
  for (int h : heads) ancestors_of.push_back(ancestor_mask(g, h));
  std::vector<int> out;
  size_t idx = 0, steps = 0;
  const size_t bound = 4 * (all_todo.size() + 1) * (all_todo.size() + 1) + 64;
  while (!heads.empty() && ++steps < bound) {
    const int candidate = heads[idx];
    bool needed_elsewhere = false;
    for (size_t k = 0; k < ancestors_of.size(); ++k)
      if (k != idx && ancestors_of[k][candidate]) {
        idx = k;
        needed_elsewhere = true;
        break;
      }
    if (needed_elsewhere) continue;
    if (todo.erase(candidate)) out.push_back(candidate);
    std::vector<int> add;
    for (int r : g.norm_down[candidate])
      if (todo.count(r) && std::find(heads.begin(), heads.end(), r) == heads.end()) add.push_back(r);
    if (add.empty()) {
      heads.erase(heads.begin() + static_cast<long>(idx));
      ancestors_of.erase(ancestors_of.begin() + static_cast<long>(idx));
      idx = idx > 0 ? idx - 1 : 0;
    } else if (g.norm_deps[candidate].empty() && g.down[candidate].size() == 1) {
      heads[idx] = add[0];  // plain movement down a line
      ancestors_of[idx][candidate] = 0;
    } else {
      heads[idx] = add[0];
      ancestors_of[idx] = ancestor_mask(g, add[0]);
      for (size_t k = 1; k < add.size(); ++k) {
        heads.push_back(add[k]);
        ancestors_of.push_back(ancestor_mask(g, add[k]));
      }
    }
  }
  if (todo.empty()) return out;
  // Not reached on an acyclic tree: parents first, in load order, whatever is left.
  std::vector<int> rest(all_todo.begin(), all_todo.end());
  std::sort(rest.begin(), rest.end(), [&](int a, int b) { return g.order[a] < g.order[b]; });
  std::vector<int> parents_first;
  std::set<int> placed;
  for (bool progressed = true; progressed;) {
    progressed = false;
    for (int r : rest) {
      if (placed.count(r)) continue;
      bool ready = std::all_of(g.norm_down[r].begin(), g.norm_down[r].end(),
                               [&](int d) { return placed.count(d) || !all_todo.count(d); });
      if (!ready) continue;
      parents_first.push_back(r);
      placed.insert(r);
      progressed = true;
    }
  }
  std::reverse(parents_first.begin(), parents_first.end());  // children first, as the sort yields
  return parents_first;
}

std::vector<std::string> names(const RevisionGraph& g, const std::set<int>& nodes) {
  std::vector<int> v(nodes.begin(), nodes.end());
  std::sort(v.begin(), v.end(), [&](int a, int b) { return g.order[a] < g.order[b]; });
  std::vector<std::string> out;
  for (int n : v) out.push_back(g.rev[n]);
  return out;
}

}  // namespace

const RevisionGraph& RevisionSet::graph() const {
  static const RevisionGraph empty;
  return graph_ ? *graph_ : empty;
}

std::vector<std::string> RevisionSet::real_heads() const {
  std::vector<std::string> out;
  for (const auto& h : heads())
    if (int n = graph().node(h); n >= 0 && graph().all_next[n].empty()) out.push_back(h);
  return out;
}

std::optional<std::vector<std::string>> RevisionSet::pending(const std::vector<std::string>& current) const {
  return pending_to(current, real_heads());
}

std::optional<std::vector<std::string>> RevisionSet::pending_to(const std::vector<std::string>& current,
                                                                const std::vector<std::string>& targets) const {
  const RevisionGraph& g = graph();
  std::vector<int> cur, tgt;
  for (const auto& c : current) {
    if (g.node(c) < 0) return std::nullopt;
    cur.push_back(g.node(c));
  }
  for (const auto& t : targets)
    if (g.node(t) >= 0) tgt.push_back(g.node(t));
  std::set<int> done = g.ancestors(cur), todo;
  for (int n : g.ancestors(tgt))
    if (!done.count(n)) todo.insert(n);
  std::vector<int> sorted = alembic_topological_sort(g, todo, tgt);
  std::vector<std::string> out;
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) out.push_back(g.rev[*it]);
  return out;
}

// HeadMaintainer.update_to_step for an upgrade: a revision none of whose needs holds a row inserts one;
// one that needs several rows merges them (deleting all but one, updating that); else it updates the
// row of what it needs.
RevisionSet::StepRows RevisionSet::step_rows(const std::vector<std::string>& rows, const std::string& rev) const {
  const RevisionGraph& g = graph();
  StepRows out;
  int n = g.node(rev);
  std::set<std::string> held(rows.begin(), rows.end());
  std::vector<std::string> needs_held;
  if (n >= 0)
    for (int d : g.norm_down[n])
      if (held.count(g.rev[d])) needs_held.push_back(g.rev[d]);
  if (needs_held.empty()) {
    out.inserted = true;
    return out;
  }
  if (needs_held.size() == 1) {
    out.removed = needs_held;
    return out;
  }
  // A merge keeps what the other rows (not among its needs) already imply.
  std::vector<int> others;
  for (const auto& r : rows)
    if (std::find(needs_held.begin(), needs_held.end(), r) == needs_held.end() && g.node(r) >= 0) others.push_back(g.node(r));
  std::set<int> implied = g.ancestors(others);
  for (const auto& r : needs_held)
    if (!implied.count(g.node(r))) out.removed.push_back(r);
  return out;
}

std::vector<std::string> RevisionSet::rows_after(std::vector<std::string> rows, const std::vector<std::string>& steps) const {
  for (const auto& s : steps) {
    StepRows st = step_rows(rows, s);
    for (const auto& r : st.removed) rows.erase(std::remove(rows.begin(), rows.end(), r), rows.end());
    if (std::find(rows.begin(), rows.end(), s) == rows.end()) rows.push_back(s);
  }
  return rows;
}

std::vector<std::string> RevisionSet::ancestors(const std::vector<std::string>& revs) const {
  std::vector<int> from;
  for (const auto& r : revs)
    if (graph().node(r) >= 0) from.push_back(graph().node(r));
  return names(graph(), graph().ancestors(from));
}

std::vector<std::string> RevisionSet::needs_directly(const std::string& rev) const {
  std::vector<std::string> out;
  if (int n = graph().node(rev); n >= 0)
    for (int d : graph().norm_down[n]) out.push_back(graph().rev[d]);
  return out;
}

std::vector<std::string> RevisionSet::branch_labels() const {
  std::vector<std::string> out;
  for (const auto& [label, n] : graph().label_node) out.push_back(label);
  return out;
}

const RevisionFile* RevisionSet::labelled(const std::string& label) const {
  auto it = graph().label_node.find(label);
  return it == graph().label_node.end() ? nullptr : find(graph().rev[it->second]);
}

std::vector<std::string> RevisionSet::labels_of(const std::string& rev) const {
  int n = graph().node(rev);
  if (n < 0) return {};
  return {graph().labels[n].begin(), graph().labels[n].end()};
}

std::optional<std::vector<std::string>> RevisionSet::lineage_heads(const std::string& branch) const {
  const RevisionGraph& g = graph();
  auto l = g.label_node.find(branch);
  int b = l != g.label_node.end() ? l->second : g.node(branch);
  if (b < 0) return std::nullopt;
  std::set<int> lineage = g.versioned_ancestors(b), below = g.versioned_descendants(b);
  lineage.insert(below.begin(), below.end());
  std::vector<std::string> out;
  for (const auto& h : heads())
    if (lineage.count(g.node(h))) out.push_back(h);
  return out;
}

}  // namespace orch

#include "alembic/graph_check.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <map>
#include <regex>
#include <set>

#include "util/text.h"

namespace fs = std::filesystem;

namespace orch {

const char* to_string(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "info";
  }
  return "?";
}

namespace {

using At = std::function<std::string(const RevisionFile&, int)>;

// A branch label declared twice: Alembic refuses to load the tree ("Branch name ... already used").
std::vector<Finding> branch_label_findings(const RevisionSet& set, const At& at) {
  std::map<std::string, std::vector<const RevisionFile*>> by_label;
  for (const auto& f : set.files())
    if (f.error.empty())
      for (const auto& l : f.branch_labels) by_label[l].push_back(&f);
  std::vector<Finding> out;
  for (const auto& [label, files] : by_label) {
    if (files.size() < 2) continue;
    std::vector<std::string> where;
    for (auto* f : files) where.push_back(at(*f, f->revision_line));
    out.push_back({Severity::Error, where[1], "branch label '" + label + "' is declared by " + std::to_string(files.size()) +
                                                  " revisions: " + join(where, ", ") + "; Alembic refuses to load the tree",
                   "keep the label on the branch's first revision only: descendants inherit it", ""});
  }
  return out;
}

// The head that shares the most history with `h`: the one it forked from.
std::string nearest_head(const RevisionSet& set, const std::string& h, const std::vector<std::string>& heads) {
  auto mine_v = set.ancestors({h});
  std::set<std::string> mine(mine_v.begin(), mine_v.end());
  std::string best;
  size_t shared_best = 0;
  for (const auto& o : heads) {
    if (o == h) continue;
    size_t shared = 0;
    for (const auto& a : set.ancestors({o})) shared += mine.count(a);
    if (best.empty() || shared > shared_best) best = o, shared_best = shared;
  }
  return best;
}

// Several heads are a design when each is the one head of a branch label of its own (`expand@head`,
// `contract@head`, applied with `upgrade heads`); a head without one diverged by accident.
std::optional<Finding> unlabelled_heads(const RevisionSet& set, const std::vector<std::string>& heads, const At& at,
                                        const std::string& target) {
  std::vector<std::string> loose;
  for (const auto& h : heads) {
    bool own = false;
    for (const auto& l : set.labels_of(h))
      if (auto lh = set.lineage_heads(l); lh && lh->size() == 1) own = true;
    if (!own) loose.push_back(h);
  }
  if (loose.empty()) return std::nullopt;
  std::vector<std::string> where;
  for (const auto& h : heads) where.push_back(h + " (" + at(*set.find(h), set.find(h)->revision_line) + ")");
  std::vector<std::string> merge = loose;
  if (merge.size() == 1) merge.insert(merge.begin(), nearest_head(set, loose[0], heads));
  std::string msg = std::to_string(heads.size()) + " heads and no merge: " + join(where, ", ");
  if (set.branch_labels().empty())
    msg += "; `alembic upgrade head` refuses to choose";
  else
    msg += "; " + join(loose, ", ") +
           (loose.size() == 1 ? " is not the only head of a branch label of its own, so it diverged by accident"
                              : " are not each the only head of a branch label of their own, so they diverged by accident") +
           " (labelled heads are kept apart by design)";
  const RevisionFile* first = set.find(loose[0]);
  const std::string merge_hint = "merge them: alembic merge -m \"merge heads\" " + join(merge, " ");
  if (!target.empty()) {
    // The manifest chose what `up` applies (`heads`, a revision, a branch): Alembic accepts it, so
    // this is a design to confirm, not an error (public tree testdriven: two bases, target = "heads").
    msg = std::to_string(heads.size()) + " heads and no merge: " + join(where, ", ") + "; `up` runs `alembic upgrade " +
          target + "` (the service's target), which Alembic accepts";
    return Finding{target == "heads" ? Severity::Info : Severity::Warning, at(*first, first->revision_line), msg,
                   target == "heads" ? "" : merge_hint + ", if the other head should be applied too", ""};
  }
  return Finding{Severity::Error, at(*first, first->revision_line), msg, merge_hint, ""};
}

}  // namespace

std::vector<Finding> check_revision_graph(const RevisionSet& set, const fs::path& root, const std::string& target) {
  std::vector<Finding> out;
  auto shown = [&](const fs::path& p) {
    auto rel = p.lexically_relative(root);
    return (rel.empty() || starts_with(rel.string(), "..")) ? p.string() : rel.string();
  };
  auto at = [&](const RevisionFile& f, int line) { return shown(f.path) + (line > 0 ? ":" + std::to_string(line) : ""); };

  std::map<std::string, std::vector<const RevisionFile*>> by_rev;
  for (const auto& f : set.files()) {
    if (!f.error.empty()) {
      out.push_back({Severity::Error, at(f, f.error_line), "cannot read this revision file: " + f.error,
                     "write revision/down_revision as plain string literals, tuples or None", ""});
      continue;
    }
    by_rev[f.revision].push_back(&f);
  }
  for (const auto& [rev, files] : by_rev) {
    if (files.size() < 2) continue;
    std::vector<std::string> where;
    for (auto* f : files) where.push_back(at(*f, f->revision_line));
    out.push_back({Severity::Error, where[0],
                   "revision " + rev + " is declared by " + std::to_string(files.size()) + " files: " + join(where, ", "),
                   "give each file its own revision id (one was probably copied from the other)", ""});
  }

  std::set<std::string> declared;
  for (const auto& [rev, files] : by_rev) declared.insert(rev);

  // A file name that says one revision while the body declares another. Alembic file names are
  // free-form (`file_template`, revision ids with underscores such as 0001_init), so a name that holds
  // the declared revision anywhere is fine, and any other mismatch is only a warning, unless it explains
  // a broken chain: the signature of a base file overwritten by its successor.
  static const std::regex id_like("^[0-9a-f]{6,}$|^[0-9]+$");
  for (const auto& f : set.files()) {
    if (!f.error.empty()) continue;
    std::string stem = f.path.stem().string();
    if (stem.find(f.revision) != std::string::npos) continue;
    std::string prefix = stem.substr(0, stem.find('_'));
    if (prefix.empty() || !(std::regex_match(prefix, id_like) || declared.count(prefix))) continue;
    bool points_back = std::find(f.down_revisions.begin(), f.down_revisions.end(), prefix) != f.down_revisions.end();
    bool overwritten = points_back && !declared.count(prefix);
    std::string msg = "file name says revision " + prefix + ", but the file declares revision '" + f.revision + "'";
    if (overwritten)
      msg += " with down_revision '" + prefix + "', which no file declares: the file of " + prefix +
             " was probably overwritten by its successor";
    out.push_back({overwritten ? Severity::Error : Severity::Warning, at(f, f.revision_line), msg,
                   overwritten ? "restore " + prefix + " (it creates what " + f.revision + " changes) and rename this file to " +
                                     f.revision + "_….py"
                               : "harmless to Alembic, but confusing: rename the file to start with " + f.revision,
                   ""});
  }

  for (const auto& f : set.files()) {
    if (!f.error.empty()) continue;
    for (const auto& d : f.down_revisions)
      if (!declared.count(d))
        out.push_back({Severity::Error, at(f, f.down_revision_line),
                       "down_revision '" + d + "' of revision " + f.revision +
                           " is not declared by any file: `alembic upgrade head` fails on an empty database",
                       "restore the missing revision file, or point down_revision at an existing revision", ""});
    for (const auto& d : f.depends_on)  // a revision id or a branch label
      if (!declared.count(d) && !set.labelled(d))
        out.push_back({Severity::Error, at(f, f.depends_on_line),
                       "depends_on '" + d + "' of revision " + f.revision + " is not declared by any file",
                       "restore the missing revision, or remove it from depends_on", ""});
  }

  // Cycles through down_revision.
  std::map<std::string, int> mark;  // 0 white, 1 grey, 2 black
  std::vector<std::string> stack;
  std::set<std::string> reported;
  std::function<void(const std::string&)> visit = [&](const std::string& r) {
    mark[r] = 1;
    stack.push_back(r);
    if (auto it = by_rev.find(r); it != by_rev.end())
      for (const auto& d : it->second.front()->down_revisions) {
        if (!declared.count(d)) continue;
        if (mark[d] == 1) {
          auto pos = std::find(stack.begin(), stack.end(), d);
          std::vector<std::string> cyc(pos, stack.end());
          cyc.push_back(d);
          std::string key = *std::min_element(cyc.begin(), cyc.end() - 1);
          if (reported.insert(key).second) {
            const RevisionFile* f = by_rev[d].front();
            out.push_back({Severity::Error, at(*f, f->down_revision_line),
                           "revision cycle: " + join(cyc, " -> "), "one of these down_revision values is wrong", ""});
          }
        } else if (mark[d] == 0) {
          visit(d);
        }
      }
    stack.pop_back();
    mark[r] = 2;
  };
  for (const auto& r : declared)
    if (mark[r] == 0) visit(r);

  // Several heads follow from a missing parent or a duplicate id; report only the root cause then.
  bool root_cause = false;
  for (const auto& f : out) root_cause = root_cause || f.message.find("is not declared by any file") != std::string::npos ||
                                         f.message.find("is declared by") != std::string::npos;
  for (auto& f : branch_label_findings(set, at)) out.push_back(std::move(f));
  auto heads = set.heads();
  if (heads.size() > 1 && !root_cause) {
    if (auto f = unlabelled_heads(set, heads, at, target)) out.push_back(std::move(*f));
  }
  if (set.complete() && !set.files().empty() && heads.empty() && reported.empty())
    out.push_back({Severity::Error, shown(set.files().front().path.parent_path()), "no head revision: every revision is some other's parent",
                   "look for a cycle in down_revision", ""});
  return out;
}

}  // namespace orch

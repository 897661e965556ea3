#include "alembic/graph_check.h"

#include <algorithm>
#include <functional>
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

std::vector<Finding> check_revision_graph(const RevisionSet& set, const fs::path& root) {
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
    for (const auto& d : f.depends_on)
      if (!declared.count(d))
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
  auto heads = set.heads();
  if (heads.size() > 1 && !root_cause) {
    std::vector<std::string> where;
    for (const auto& h : heads) where.push_back(h + " (" + at(*set.find(h), set.find(h)->revision_line) + ")");
    out.push_back({Severity::Error, at(*set.find(heads[0]), set.find(heads[0])->revision_line),
                   std::to_string(heads.size()) + " heads and no merge: " + join(where, ", ") +
                       "; `alembic upgrade head` refuses to choose",
                   "merge them: alembic merge -m \"merge heads\" " + join(heads, " "), ""});
  }
  if (set.complete() && !set.files().empty() && heads.empty() && reported.empty())
    out.push_back({Severity::Error, shown(set.files().front().path.parent_path()), "no head revision: every revision is some other's parent",
                   "look for a cycle in down_revision", ""});
  return out;
}

}  // namespace orch

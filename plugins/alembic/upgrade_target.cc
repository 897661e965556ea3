#include "alembic/upgrade_target.h"

#include <algorithm>
#include <set>

#include "util/text.h"

namespace orch {

namespace {

// A revision id as Alembic's _revision_for_ident takes one: whole, or a prefix of at least four
// characters that only one revision starts with. "" when none (or several) match.
std::string resolve_revision_id(const std::string& id, const RevisionSet& set, std::vector<std::string>& ambiguous) {
  if (set.find(id)) return id;
  if (id.size() < 4) return "";
  for (const auto& f : set.files())
    if (f.error.empty() && starts_with(f.revision, id)) ambiguous.push_back(f.revision);
  if (ambiguous.size() == 1) return ambiguous.front();
  return "";
}

std::vector<std::string> every_revision(const RevisionSet& set) {
  std::vector<std::string> out;
  for (const auto& f : set.files())
    if (f.error.empty()) out.push_back(f.revision);
  return out;
}

// "did you mean "expand@head"?", or which names exist.
std::string suggestion(const std::string& word, const std::vector<std::string>& candidates, const std::string& suffix,
                       const std::string& none) {
  std::string guess = closest_match(word, candidates);
  if (!guess.empty()) return "did you mean \"" + guess + suffix + "\"?";
  if (candidates.empty()) return none;
  std::vector<std::string> shown(candidates.begin(), candidates.begin() + static_cast<long>(std::min<size_t>(8, candidates.size())));
  return none + " (known: " + join(shown, ", ") + (candidates.size() > shown.size() ? ", …" : "") + ")";
}

UpgradeTarget one_head(const std::string& name, std::vector<std::string> heads, const RevisionSet& set) {
  UpgradeTarget t{name, heads, "", ""};
  if (heads.size() <= 1) return t;
  t.error = "\"" + name + "\" is " + std::to_string(heads.size()) + " heads (" + join(heads, ", ") +
            "): Alembic refuses to choose";
  std::vector<std::string> labels = set.branch_labels();
  t.hint = labels.empty() ? "merge them (alembic merge -m \"merge heads\" " + join(heads, " ") +
                                "), or set target = \"heads\" to apply every head"
                          : "set target = \"heads\" for every branch, or one branch such as \"" + labels.front() + "@head\"";
  return t;
}

UpgradeTarget branch_head(const std::string& target, const RevisionSet& set) {
  const std::string branch = target.substr(0, target.size() - std::string("@head").size());
  std::vector<std::string> ambiguous;
  std::string id = set.labelled(branch) ? branch : resolve_revision_id(branch, set, ambiguous);
  auto heads = id.empty() ? std::nullopt : set.lineage_heads(id);
  if (!heads) {
    UpgradeTarget t{target, set.heads(), "no branch label or revision \"" + branch + "\" in the revision files", ""};
    t.hint = ambiguous.size() > 1 ? "\"" + branch + "\" starts " + join(ambiguous, ", ") + ": write more of it"
                                  : suggestion(branch, set.branch_labels(), "@head", "no revision declares branch_labels");
    return t;
  }
  return one_head(target, *heads, set);
}

UpgradeTarget revision(const std::string& target, const RevisionSet& set) {
  std::vector<std::string> ambiguous;
  std::string id = resolve_revision_id(target, set, ambiguous);
  if (!id.empty()) return {id, {id}, "", ""};
  UpgradeTarget t{target, set.heads(), "no revision \"" + target + "\" in the revision files", ""};
  if (set.labelled(target))
    t.hint = "\"" + target + "\" is a branch label: write \"" + target + "@head\"";
  else if (ambiguous.size() > 1)
    t.hint = "\"" + target + "\" starts " + join(ambiguous, ", ") + ": write more of it";
  else
    t.hint = suggestion(target, every_revision(set), "", "write \"heads\", \"head\", \"BRANCH@head\" or a revision id");
  return t;
}

}  // namespace

std::string default_upgrade_target(const RevisionSet& set) {
  for (const auto& h : set.heads())
    if (!set.labels_of(h).empty()) return "heads";
  return "head";
}

UpgradeTarget resolve_upgrade_target(const std::string& written, const RevisionSet& set) {
  const std::string target = written.empty() ? default_upgrade_target(set) : written;
  if (target == "heads") return {"heads", set.real_heads(), "", ""};
  if (target == "head") return one_head("head", set.heads(), set);
  if (ends_with(target, "@head") && target.size() > 5) return branch_head(target, set);
  return revision(target, set);
}

std::string upgrade_target(const ServiceSpec& s, const RevisionSet& set) {
  UpgradeTarget t = resolve_upgrade_target(s.target, set);
  if (!t.error.empty()) return s.target.empty() ? t.argument : s.target;
  return t.argument;
}

std::string upgrade_target(const ServiceSpec& s) {
  auto set = read_revision_set(s.path / s.config, s.path);
  if (!set || !set->complete()) return s.target.empty() ? "head" : s.target;
  return upgrade_target(s, *set);
}

std::vector<Finding> check_upgrade_target(const ServiceSpec& s, const RevisionSet& set) {
  if (s.target.empty() || !set.complete()) return {};
  UpgradeTarget t = resolve_upgrade_target(s.target, set);
  if (t.error.empty()) return {};
  return {{Severity::Error, s.target_pos.str(), "target \"" + s.target + "\" of service " + s.name + ": " + t.error,
           t.hint, s.name}};
}

namespace {

// True when `alembic upgrade START:END --sql` from the one row `start` runs exactly `slice` (in that
// order) and writes, step by step, the version rows the real run from `rows` writes.
bool range_matches(const RevisionSet& set, const std::vector<std::string>& rows, const std::string& start,
                   const std::vector<std::string>& ends, const std::vector<std::string>& slice) {
  auto order = set.pending_to({start}, ends);
  if (!order || *order != slice) return false;
  std::vector<std::string> offline = {start}, real = rows;
  for (const auto& x : slice) {
    auto a = set.step_rows(offline, x), b = set.step_rows(real, x);
    std::sort(a.removed.begin(), a.removed.end());
    std::sort(b.removed.begin(), b.removed.end());
    if (a.removed != b.removed || a.inserted != b.inserted) return false;
    offline = set.rows_after(offline, {x});
    real = set.rows_after(real, {x});
  }
  return true;
}

}  // namespace

Result<std::vector<std::string>> offline_ranges(const RevisionSet& set, const std::vector<std::string>& current,
                                                const UpgradeTarget& t) {
  auto steps = offline_steps(set, current, t, false);
  if (!steps) return steps.error();
  std::vector<std::string> ranges;
  for (const auto& r : *steps) ranges.push_back(r.range);
  return ranges;
}

Result<std::vector<OfflineRange>> offline_steps(const RevisionSet& set, const std::vector<std::string>& current,
                                                const UpgradeTarget& t, bool per_revision) {
  auto pending = set.pending_to(current, t.revisions);
  if (current.empty() && !per_revision) return std::vector<OfflineRange>{{t.argument, pending.value_or(std::vector<std::string>{})}};
  if (!pending) return Error{"the database holds a revision no file declares (" + join(current, ", ") + ")"};
  const std::vector<std::string>& p = *pending;
  std::vector<OfflineRange> ranges;
  std::vector<std::string> rows = current;
  size_t i = 0;
  if (rows.empty() && !p.empty()) {  // from an empty database: the first revision alone, from base
    ranges.push_back({p[0], {p[0]}});
    rows = set.rows_after(rows, {p[0]});
    i = 1;
  }
  while (i < p.size()) {
    size_t taken = 0;
    std::string range;
    const std::vector<std::string> rest(p.begin() + static_cast<long>(i), p.end());
    for (const auto& start : rows) {  // the whole rest in one range, ending at the target itself
      if (per_revision) break;
      if (range_matches(set, rows, start, t.revisions, rest)) {
        taken = rest.size();
        range = start + ":" + t.argument;
        break;
      }
    }
    for (size_t j = per_revision ? i + 1 : p.size(); taken == 0 && j > i; --j) {  // else the longest range from one row
      const std::vector<std::string> slice(p.begin() + static_cast<long>(i), p.begin() + static_cast<long>(j));
      for (const auto& start : rows)
        if (range_matches(set, rows, start, {p[j - 1]}, slice)) {
          taken = slice.size();
          range = start + ":" + p[j - 1];
          break;
        }
    }
    if (taken == 0)
      return Error{"revision " + p[i] + " needs " + join(set.needs_directly(p[i]), " and ") +
                       " at once (a depends_on across branches) while the database holds " + join(rows, ", ") +
                       ": Alembic's offline mode starts a range at one revision, so no --sql range writes what up writes",
                   "", "`orchestrate up` applies it online; plan --sql against an empty database prints the whole tree"};
    const std::vector<std::string> ran(p.begin() + static_cast<long>(i), p.begin() + static_cast<long>(i + taken));
    ranges.push_back({range, ran});
    rows = set.rows_after(rows, ran);
    i += taken;
  }
  return ranges;
}

}  // namespace orch

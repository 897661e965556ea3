#include "targets/targets.h"

#include <algorithm>

#include <fstream>
#include <set>
#include <sstream>

#include "db/database.h"
#include "db/db.h"
#include "util/secrets.h"
#include "util/text.h"
#include "util/exit_codes.h"

namespace orch {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

// [targets_from]'s (name, url) rows: from its file, or from its query on the control database.
Result<Rows> targets_from_rows(const Manifest& m, const TargetsFrom& tf) {
  if (!tf.file.empty()) {
    std::ifstream in(tf.file);
    if (!in) return Error{"cannot read targets file " + tf.file_text, tf.pos.str(), "", exit_code::kUsage};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_targets_file(ss.str(), tf.file_text);
  }
  const DatabaseRef& control = tf.control.spec.empty() ? m.database : tf.control;
  if (control.spec.empty())
    return Error{"[targets_from] query needs a control database: set [targets_from] database or [project] database",
                 tf.pos.str(), "", exit_code::kUsage};
  auto url = resolve_database(control);
  if (!url) return url.error();
  Rows rows;
  try {
    auto c = connect_db(*url, "orchestrate/targets");
    for (const auto& r : c->query(tf.query, {}, TxKind::ReadOnly)) {
      if (r.size() < 2) return Error{"[targets_from] query must return (name, url) rows", tf.pos.str(), "", exit_code::kUsage};
      rows.emplace_back(r[0].str(), r[1].str());
    }
  } catch (const std::exception& e) {
    return Error{"[targets_from] query failed on " + secrets::redact_url(*url) + ": " + first_error_line(e.what()),
                 tf.pos.str(), "", exit_code::kUsage};
  }
  return rows;
}

}  // namespace

Result<std::vector<ResolvedTarget>> all_targets(const Manifest& m) {
  std::vector<ResolvedTarget> out;
  for (const auto& t : m.targets) {
    auto url = resolve_database(t.database);
    if (!url) return url.error();
    out.push_back({t.name, *url, t.is_protected});
  }
  if (m.targets_from) {
    auto rows = targets_from_rows(m, *m.targets_from);
    if (!rows) return rows.error();
    for (auto& [name, raw] : *rows) {
      auto url = resolve_database(DatabaseRef{raw, m.targets_from->pos});
      if (!url) return url.error();
      out.push_back({name, *url, m.targets_from->is_protected});
    }
  }
  std::set<std::string> seen;
  for (const auto& t : out)
    if (!seen.insert(t.name).second) return Error{"target \"" + t.name + "\" is declared twice", "", "", exit_code::kUsage};
  return out;
}

Result<std::vector<ResolvedTarget>> resolve_targets(const Manifest& m, const std::vector<std::string>& names) {
  if (names.empty() || (names.size() == 1 && names[0] == "default")) {
    if (!m.has_default_database()) {
      std::vector<std::string> known;
      for (const auto& t : m.targets) known.push_back(t.name);
      return Error{"this manifest has no [project] database: name one with --target (" +
                       (known.empty() ? std::string("see [targets_from]") : join(known, ", ")) + ") or --target all",
                   "", "", exit_code::kUsage};
    }
    auto url = resolve_database(m.database);
    if (!url) return url.error();
    return std::vector<ResolvedTarget>{{"default", *url, false}};
  }
  bool needs_all = std::any_of(names.begin(), names.end(), [](const std::string& n) { return n != "default"; });
  std::vector<ResolvedTarget> known;
  if (needs_all) {
    auto all = all_targets(m);
    if (!all) return all.error();
    known = std::move(*all);
  }
  std::vector<ResolvedTarget> out;
  std::set<std::string> picked;
  auto add = [&](const ResolvedTarget& t) {
    if (picked.insert(t.name).second) out.push_back(t);
  };
  for (const auto& n : names) {
    if (n == "all") {
      for (const auto& t : known) add(t);
      continue;
    }
    if (n == "default") {
      if (!m.has_default_database()) continue;
      auto url = resolve_database(m.database);
      if (!url) return url.error();
      add({"default", *url, false});
      continue;
    }
    bool matched = false;
    for (const auto& t : known)
      if (glob_match(n, t.name)) {
        add(t);
        matched = true;
      }
    if (!matched) {
      std::vector<std::string> kn;
      for (const auto& t : known) kn.push_back(t.name);
      std::string guess = closest_match(n, kn);
      return Error{"unknown target \"" + n + "\"" + (guess.empty() ? "" : "; did you mean \"" + guess + "\"?") +
                       (kn.empty() ? " (this manifest declares no [targets])" : " (targets: " + join(kn, ", ") + ")"),
                   "", "", exit_code::kUsage};
    }
  }
  return out;
}

}  // namespace orch

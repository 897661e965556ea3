#include <algorithm>
#include "targets/targets.h"

#include <fstream>
#include <set>
#include <sstream>

#include "db/database.h"
#include "db/db.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

bool glob_match(const std::string& p, const std::string& s) {
  size_t pi = 0, si = 0, star = std::string::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

static std::string name_from_url(const std::string& url) {
  std::string base = url.substr(0, url.find('?'));
  auto slash = base.rfind('/');
  return slash == std::string::npos ? base : base.substr(slash + 1);
}

Result<std::vector<std::pair<std::string, std::string>>> parse_targets_file(const std::string& text,
                                                                          const std::string& display) {
  std::vector<std::pair<std::string, std::string>> out;
  int line_no = 0;
  for (const auto& raw : split(text, '\n')) {
    ++line_no;
    std::string line = trim(raw.substr(0, raw.find('#') == std::string::npos || raw.find("://") < raw.find('#')
                                              ? std::string::npos
                                              : raw.find('#')));
    if (line.empty()) continue;
    std::string name, url;
    auto eq = line.find('=');
    auto scheme = line.find("://");
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      name = trim(line.substr(0, eq));
      url = trim(line.substr(eq + 1));
    } else {
      url = line;
      name = name_from_url(url);
    }
    if (name.empty() || url.find("://") == std::string::npos)
      return Error{"expected `name=postgresql://...` or a URL", display + ":" + std::to_string(line_no), "", 2};
    out.emplace_back(name, url);
  }
  return out;
}

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

// [targets_from]'s (name, url) rows: from its file, or from its query on the control database.
Result<Rows> targets_from_rows(const Manifest& m, const TargetsFrom& tf) {
  if (!tf.file.empty()) {
    std::ifstream in(tf.file);
    if (!in) return Error{"cannot read targets file " + tf.file_text, tf.pos.str(), "", 2};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_targets_file(ss.str(), tf.file_text);
  }
  const DatabaseRef& control = tf.control.spec.empty() ? m.database : tf.control;
  if (control.spec.empty())
    return Error{"[targets_from] query needs a control database: set [targets_from] database or [project] database",
                 tf.pos.str(), "", 2};
  auto url = resolve_database(control);
  if (!url) return url.error();
  Rows rows;
  try {
    auto c = connect_db(*url, "orchestrate/targets");
    for (const auto& r : c->query(tf.query, {}, TxKind::ReadOnly)) {
      if (r.size() < 2) return Error{"[targets_from] query must return (name, url) rows", tf.pos.str(), "", 2};
      rows.emplace_back(r[0].str(), r[1].str());
    }
  } catch (const std::exception& e) {
    return Error{"[targets_from] query failed on " + secrets::redact_url(*url) + ": " + first_error_line(e.what()),
                 tf.pos.str(), "", 2};
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
    if (!seen.insert(t.name).second) return Error{"target \"" + t.name + "\" is declared twice", "", "", 2};
  return out;
}

Result<std::vector<ResolvedTarget>> resolve_targets(const Manifest& m, const std::vector<std::string>& names) {
  if (names.empty() || (names.size() == 1 && names[0] == "default")) {
    if (!m.has_default_database()) {
      std::vector<std::string> known;
      for (const auto& t : m.targets) known.push_back(t.name);
      return Error{"this manifest has no [project] database: name one with --target (" +
                       (known.empty() ? std::string("see [targets_from]") : join(known, ", ")) + ") or --target all",
                   "", "", 2};
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
                   "", "", 2};
    }
  }
  return out;
}

}  // namespace orch

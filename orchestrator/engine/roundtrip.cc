#include "engine/roundtrip.h"

#include <algorithm>
#include <set>

#include "db/db.h"
#include "engine/pg_tools.h"
#include "migration_kind.h"
#include "scheduler/silent_printer.h"
#include "util/text.h"

namespace orch {

namespace {

// Services that applied something, dependents before what they depend on.
std::vector<const ServiceSpec*> reverse_order(const Manifest& m, const RunReport& report) {
  std::set<std::string> applied;
  for (const auto& s : report.services)
    if (s.result.outcome == Outcome::Applied) applied.insert(s.name);
  std::vector<const ServiceSpec*> out;
  std::vector<std::vector<int>> waves = m.graph ? m.graph->waves() : std::vector<std::vector<int>>{};
  if (waves.empty())
    for (size_t i = 0; i < m.services.size(); ++i) waves.push_back({static_cast<int>(i)});
  for (const auto& w : waves)
    for (int i : w)
      if (applied.count(m.services[i].name)) out.push_back(&m.services[i]);
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> version_tables(const Manifest& m) {
  std::vector<std::string> out;
  for (const auto& s : m.services)
    if (migration_kind(s.runner).tracks_versions()) out.push_back(s.version_schema + "." + s.version_table);
  return out;
}

Result<std::vector<std::string>> schema_dump(const std::string& url, const std::string& schema, CancelHub& hub,
                                             const std::vector<std::string>& exclude) {
  auto quoted = [](const std::string& name) { return "\"" + replace_all(name, "\"", "\"\"") + "\""; };
  std::vector<std::string> args = {"--schema-only", "--no-owner"};
  if (!schema.empty()) args.push_back("--schema=" + quoted(schema));
  for (const auto& t : exclude) {  // "schema.table": both parts quoted, so a dot or capital stays literal
    size_t dot = t.find('.');
    args.push_back("--exclude-table=" + quoted(t.substr(0, dot)) + "." + quoted(t.substr(dot + 1)));
  }
  auto run = run_pg_tool("pg_dump", args, url, "", hub);
  if (!run) return run.error();
  std::vector<std::string> out;
  for (const auto& l : run->out)
    // Comments, and the random key of pg_dump's \restrict guard (15.14 and later), differ every time.
    if (!l.empty() && !starts_with(l, "--") && !starts_with(l, "\\restrict") && !starts_with(l, "\\unrestrict"))
      out.push_back(l);
  return out;
}

std::vector<std::string> dump_difference(const std::vector<std::string>& before, const std::vector<std::string>& after,
                                         size_t limit) {
  std::multiset<std::string> b(before.begin(), before.end()), a(after.begin(), after.end());
  std::vector<std::string> out;
  for (const auto& l : before)
    if (auto it = a.find(l); it != a.end()) a.erase(it);
    else if (out.size() < limit) out.push_back("- " + l);
  for (const auto& l : after)
    if (auto it = b.find(l); it != b.end()) b.erase(it);
    else if (out.size() < limit) out.push_back("+ " + l);
  return out;
}

std::vector<RoundtripFinding> roundtrip(const RoundtripInput& in, const std::string& shadow_url, CancelHub& hub) {
  std::vector<RoundtripFinding> found;
  auto whole_after_up = schema_dump(shadow_url, "", hub);
  if (!whole_after_up) return {{"", "cannot dump the shadow's schema: " + whole_after_up.error().message, {}}};
  std::unique_ptr<Db> db = connect_db(shadow_url, "orchestrate/rehearse-roundtrip");
  for (const ServiceSpec* s : reverse_order(in.m, in.report)) {
    std::vector<std::string> revs;
    for (const auto& mg : in.migrations)
      if (mg.service == s->name) revs.push_back(mg.migration);
    StepContext ctx{*db, shadow_url, in.up.run_id, [](const std::string&) {}, in.up.guard_server_objects};
    bool failed = false;
    for (auto it = revs.rbegin(); it != revs.rend() && !failed; ++it) {
      if (hub.cancelled()) return found;
      if (auto st = migration_kind(s->runner).downgrade(*s, "-1", ctx); !st) {
        found.push_back({s->name, "downgrade of " + *it + " fails: " + st.error().text(), {}, ctx.refused_server_objects});
        failed = true;
      }
    }
    if (failed) continue;
    auto now = schema_dump(shadow_url, s->schema, hub, version_tables(in.m));
    auto was = in.before.find(s->name);
    if (now && was != in.before.end() && *now != was->second)
      found.push_back({s->name, "downgrading " + join(revs, ", ") + " does not restore schema " + s->schema + " as it was",
                       dump_difference(was->second, *now)});
  }
  if (!found.empty() || hub.cancelled()) return found;
  // Forward again: the same `up`, quietly; the schema must be the first up's.
  UpConfig cfg = in.up;
  cfg.record_locks = false;
  cfg.run_id = in.up.run_id + "-again";
  UpEngine engine(in.m, cfg, hub);
  SilentPrinter quiet;  // the second `up` reports to nobody: its outcome is compared, not shown
  UpOutcome again = engine.run({"shadow", shadow_url, false}, [&](const StatusReport*) -> StatusPrinter& { return quiet; },
                               [](const std::string&) {});
  if (again.exit_code != 0) {
    std::string why = again.error ? again.error->message : "";
    bool server_objects = false;
    for (const auto& s : again.report.services)
      if (s.result.outcome == Outcome::Failed) {
        why = s.name + ": " + s.result.error;
        server_objects = server_objects || s.result.server_objects;
      }
    found.push_back({"", "upgrading again after the downgrades fails: " + why, {}, server_objects});
    return found;
  }
  auto whole = schema_dump(shadow_url, "", hub);
  if (whole && *whole != *whole_after_up)
    found.push_back({"", "upgrading again after the downgrades does not give the schema the first up made",
                     dump_difference(*whole_after_up, *whole)});
  return found;
}

}  // namespace orch

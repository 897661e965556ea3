#include "report/rehearsal_formats.h"

#include "util/duration.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

using ojson = nlohmann::ordered_json;

ojson rehearsal_lock_json(const RehearsalLock& l) {
  return {{"service", l.service},
          {"migration", l.migration},
          {"relation", l.relation},
          {"mode", l.mode},
          {"new_in_run", l.new_in_run},
          {"target_rows", l.new_in_run || l.rows < 0 ? ojson(nullptr) : ojson(static_cast<long long>(l.rows))},
          {"target_bytes", l.new_in_run ? ojson(nullptr) : ojson(l.bytes)},
          {"effect", l.effect},
          {"finding", l.finding},
          {"denied", l.denied},
          {"text", l.text}};
}

ojson rehearsal_event_fields(int exit_code, Millis dump, Millis restore, Millis run, const std::vector<RehearsalLock>& locks,
                             const std::string& error) {
  ojson l = ojson::array();
  for (const auto& x : locks) l.push_back(rehearsal_lock_json(x));
  return {{"exit_code", exit_code}, {"dump_ms", dump.count()}, {"restore_ms", restore.count()},
          {"run_ms", run.count()},  {"locks", l},                {"error", secrets::scrub(error)}};
}

ojson service_locks_json(const RehearsalSummary& r, const std::string& service) {
  ojson out = ojson::array();
  for (const auto& l : r.locks)
    if (l.service == service) out.push_back(rehearsal_lock_json(l));
  return out;
}

namespace {
// One word for what the rehearsal found, for machines (docs/rehearse.md#reports).
const char* verdict_word(const RehearsalSummary& r) {
  if (r.would_succeed) return "would-succeed";
  if (r.exit_code == 130) return "interrupted";
  if (r.exit_code != 3) return "not-rehearsed";  // the rehearsal itself could not run it (exit 1)
  if (!r.roundtrip.empty()) return "does-not-roundtrip";
  for (const auto& l : r.locks)
    if (l.denied) return "denied-lock";
  return "would-fail";
}
}  // namespace

ojson rehearsal_json(const RehearsalSummary& r) {
  ojson locks = ojson::array(), roundtrip = ojson::array();
  for (const auto& l : r.locks) locks.push_back(rehearsal_lock_json(l));
  for (const auto& f : r.roundtrip)
    roundtrip.push_back({{"service", f.service}, {"what", secrets::scrub(f.what)}, {"diff", f.diff}});
  return {{"verdict", verdict_word(r)},
          {"exit_code", r.exit_code},
          {"shadow", r.shadow},
          {"dump_ms", r.dump.count()},
          {"restore_ms", r.restore.count()},
          {"run_ms", r.run.count()},
          {"locks", locks},
          {"roundtrip", roundtrip},
          {"missing_data", r.missing_data},
          {"not_seen", not_seen_by_a_rehearsal()}};
}

std::string rehearsal_verdict(const RehearsalSummary& r) {
  if (r.would_succeed) return "`up` would succeed";
  if (r.exit_code == 130) return "interrupted";
  if (r.exit_code != 3) return "not rehearsed (see the error)";
  if (!r.roundtrip.empty()) return "`up` would succeed, but its revisions do not roundtrip";
  for (const auto& l : r.locks)
    if (l.denied) return "`up` itself would succeed, but a migration takes a lock that [lint] deny forbids";
  return "`up` would FAIL";
}

void rehearsal_markdown(std::ostringstream& o, const RehearsalSummary& r, const std::string& target) {
  o << "\nRehearsed in `" << r.shadow << "`: copy " << format_duration(r.dump + r.restore) << " (dump "
    << format_duration(r.dump) << ", restore " << format_duration(r.restore) << "), run " << format_duration(r.run) << "\n";
  o << "\n#### Locks taken (pg_locks, before each migration committed)\n\n";
  if (r.locks.empty()) o << "None on existing tables.\n";
  else o << "| Migration | Lock | Table | Size | Blocks |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& l : r.locks) {
    o << "| `" << l.migration << "` | " << l.mode << " | " << l.relation << " | " << l.size << " | " << l.effect
      << (l.finding ? std::string(" **") + (l.denied ? "denied: " : "finding: ") + "access-exclusive-on-large-table**" : "")
      << " |\n";
  }
  if (!r.roundtrip.empty()) o << "\n#### Roundtrip\n\n";
  for (const auto& f : r.roundtrip) {
    o << "- " << (f.service.empty() ? "" : "**" + f.service + "**: ") << secrets::scrub(f.what) << "\n";
    if (!f.diff.empty()) o << "\n  ```\n  " << join(f.diff, "\n  ") << "\n  ```\n";
  }
  for (const auto& t : r.missing_data) o << "\n[rehearsal] data names " << t << ", which " << target << " does not have.\n";
  o << "\n#### Not seen by a rehearsal\n\n";
  for (const auto& s : not_seen_by_a_rehearsal()) o << "- " << s << "\n";
}

std::vector<RehearsalCase> rehearsal_junit_cases(const RehearsalSummary& r) {
  RehearsalCase locks{"locks", "", ""};
  for (const auto& l : r.locks) {
    if (!l.denied) continue;
    locks.failure = "a migration takes a denied lock ([lint] deny = access-exclusive-on-large-table)";
    locks.body += l.text + "\n";
  }
  std::vector<RehearsalCase> out = {locks};
  if (!r.roundtripped) return out;
  RehearsalCase rt{"roundtrip", "", ""};
  for (const auto& f : r.roundtrip) {
    rt.failure = "downgrading and upgrading again does not give the schema back";
    rt.body += (f.service.empty() ? "" : f.service + ": ") + secrets::scrub(f.what) + "\n" + join(f.diff, "\n") + "\n";
  }
  out.push_back(rt);
  return out;
}

}  // namespace orch

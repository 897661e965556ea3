#include "cli/rehearsal_print.h"

#include "report/rehearsal_formats.h"
#include "util/duration.h"
#include "util/exit_codes.h"

namespace orch {

void print_rehearsal(const RehearseOutcome& r, const std::string& target, std::ostream& out) {
  out << "rehearsal of " << target << ": copy " << format_duration(r.copy.dump + r.copy.restore) << " (dump "
      << format_duration(r.copy.dump) << ", restore " << format_duration(r.copy.restore) << "), run "
      << format_duration(r.run) << "\n";
  if (!r.locks.empty()) out << "locks taken (read from pg_locks before each migration committed):\n";
  for (const auto& l : r.locks) out << "  " << l.text << "\n";
  for (const auto& t : r.missing_data) out << "warning: [rehearsal] data names " << t << ", which " << target << " does not have\n";
  for (const auto& f : r.roundtrip) {
    out << "roundtrip: " << (f.service.empty() ? "" : f.service + ": ") << f.what << "\n";
    for (const auto& d : f.diff) out << "    " << d << "\n";
  }
  if (!r.kept.empty()) out << "kept the shadow database: " << r.kept << "\n";
  if (r.exit_code == exit_code::kOk)
    out << "rehearse: `up` would succeed on " << target << "\n";
  else if (r.exit_code == exit_code::kFindings && r.up.exit_code == exit_code::kOk && !r.up.error && r.roundtrip.empty())
    out << "rehearse: `up` itself would succeed on " << target
        << ", but a migration takes a lock that [lint] deny forbids (above); exit 3\n";
  else if (r.exit_code == exit_code::kFindings && !r.roundtrip.empty())
    out << "rehearse: `up` would succeed on " << target << ", but its revisions do not roundtrip (above)\n";
  else if (r.exit_code == exit_code::kFindings)
    out << "rehearse: `up` would FAIL on " << target << " (the failures above are what `up` would print)\n";
  out << "not seen by a rehearsal: " << not_seen_by_a_rehearsal().front() << "\n";
}

void emit_rehearsal(const GlobalOptions& g, const std::string& run_id, const std::string& target, const RehearseOutcome& r) {
  if (!g.stream) return;
  g.stream->emit("rehearsal-finished", run_id, target,
                 rehearsal_event_fields(r.exit_code, r.copy.dump, r.copy.restore, r.run, r.locks, r.error ? r.error->text() : ""));
}

}  // namespace orch

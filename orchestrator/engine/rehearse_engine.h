#pragma once
// `orchestrate rehearse` on one target: copy its structure and version rows into a shadow database
// (engine/schema_copy, engine/shadow_database), run the real UpEngine there with every migration's
// table locks recorded, and drop the shadow whatever happens (unless kept). The target is only ever
// read, on a read-only session; docs/rehearse.md says what a rehearsal proves and what it cannot.
#include <optional>
#include <string>
#include <vector>

#include "engine/lock_report.h"
#include "engine/roundtrip.h"
#include "engine/schema_copy.h"
#include "engine/up_engine.h"

namespace orch {

struct RehearseConfig {
  UpConfig up;             // as `up` would run; record_locks is set by the engine
  std::string shadow_url;  // --shadow-url (a secret); empty: [rehearsal] server, else the target's server
  bool keep = false;       // --keep: leave the shadow database for inspection
  bool roundtrip = false;  // --roundtrip: then downgrade what was applied and upgrade again (engine/roundtrip)
};

struct RehearseOutcome {
  UpOutcome up;                   // the run in the shadow, as `up` reports it
  bool ran = false;               // the shadow was made and the run started
  int exit_code = 0;              // 0 would succeed, 3 would fail, 1 the rehearsal failed, 2 usage, 130
  std::optional<Error> error;     // the rehearsal itself failed (or up refused before starting: lint)
  CopyTimes copy;
  Millis run{0};
  std::vector<LockLine> locks;
  std::vector<std::string> missing_data;  // [rehearsal] data tables the target lacks
  std::string kept;                       // --keep: the shadow's URL, password masked
  std::vector<RoundtripFinding> roundtrip;  // --roundtrip: what did not come back
};

// Refuses (exit 2) a manifest whose services name a database of their own in `env`: their migrations
// would run there, not in the shadow.
Status rehearsable(const Manifest& m, const std::vector<int>& selected);

class RehearseEngine {
 public:
  RehearseEngine(const Manifest& m, RehearseConfig cfg, CancelHub& hub) : m_(m), cfg_(std::move(cfg)), hub_(hub) {}
  RehearseOutcome run(const ResolvedTarget& target, const PrinterFactory& printer_for, const NoteFn& note);

 private:
  Result<std::string> shadow_server(const ResolvedTarget& target) const;
  void run_in_shadow(const ResolvedTarget& target, const std::string& shadow_url, bool same_server, const TableSizes& sizes,
                     const PrinterFactory& printer_for, const NoteFn& note, RehearseOutcome& out,
                     std::vector<MigrationLocks>& taken);
  void run_roundtrip(const std::string& shadow_url, bool same_server, const std::map<std::string, std::vector<std::string>>& before,
                     const std::vector<MigrationLocks>& taken, const NoteFn& note, RehearseOutcome& out);

  const Manifest& m_;
  RehearseConfig cfg_;
  CancelHub& hub_;
};

}  // namespace orch

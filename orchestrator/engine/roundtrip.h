#pragma once
// `rehearse --roundtrip`: after the rehearsed `up`, in the shadow only, every service that applied
// something is downgraded back to where it stood (one step at a time, services in reverse dependency
// order), and its schema (pg_dump --schema-only of the service's schema) must be what it was before the
// run; then `up` runs again and the whole schema must be what the first `up` made. Reports each
// downgrade that fails or is missing, and each schema that does not come back, with the difference.
#include <map>
#include <string>
#include <vector>

#include "engine/cancel_hub.h"
#include "engine/lock_report.h"
#include "engine/up_engine.h"

namespace orch {

// One service's revisions that did not come back: which, what went wrong, the schema's difference.
using RoundtripFinding = RehearsalRoundtrip;

// The schema as pg_dump writes it, without comments and blank lines; `schema` empty: the whole database.
// `exclude`: "schema.table" names left out: a version table Alembic leaves behind, empty, after a downgrade
// to base is not a schema that failed to come back.
Result<std::vector<std::string>> schema_dump(const std::string& url, const std::string& schema, CancelHub& hub,
                                             const std::vector<std::string>& exclude = {});
// Every service's version table, "schema.table".
std::vector<std::string> version_tables(const Manifest& m);

// What changed between two dumps: "- " lines only in `before`, "+ " lines only in `after`.
std::vector<std::string> dump_difference(const std::vector<std::string>& before, const std::vector<std::string>& after,
                                         size_t limit = 12);

struct RoundtripInput {
  const Manifest& m;
  const UpConfig& up;                                     // as the rehearsal ran it
  const RunReport& report;                                // the rehearsed run
  const std::vector<MigrationLocks>& migrations;          // what each service applied, in order
  std::map<std::string, std::vector<std::string>> before; // each service's schema dump before the run
};

std::vector<RoundtripFinding> roundtrip(const RoundtripInput& in, const std::string& shadow_url, CancelHub& hub);

}  // namespace orch

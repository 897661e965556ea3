#pragma once
// What a rehearsal copies from the target into its shadow: the whole structure (pg_dump, as PostgreSQL
// itself writes it) with the rows of the version tables (every service's alembic_version or ledger,
// the `orchestrate` schema) and of [rehearsal] data, and nothing else. Read through a read-only
// session (default_transaction_read_only): a rehearsal never changes the target.
#include <filesystem>
#include <string>
#include <vector>

#include "engine/cancel_hub.h"
#include "manifest/manifest.h"
#include "util/result.h"

namespace orch {

class Db;

struct CopyPlan {
  std::vector<std::string> with_data;     // "schema"."table" patterns whose rows are copied
  std::vector<std::string> without_data;  // every other table (pg_dump --exclude-table-data)
  std::vector<std::string> missing_data;  // [rehearsal] data entries the target does not have
};

// The tables whose rows a rehearsal needs, from the target's catalogue (read on `target`).
CopyPlan plan_copy(Db& target, const Manifest& m);

// On a separate server: the extensions and roles the target uses that the shadow's server lacks,
// which the restore would fail on. Empty when nothing is missing. `where` names the server.
std::vector<std::string> restore_obstacles(Db& target, Db& shadow_server);
// Roles of the target's server the shadow's server lacks: not needed by the copy, but a migration that
// names one (ALTER ROLE, GRANT … TO) fails there where it would not on the target.
std::vector<std::string> roles_missing_there(Db& target, Db& shadow_server);

struct CopyTimes {
  Millis dump{0}, restore{0};
};

// pg_dump from `target_url` (read-only) into `dump_file`; then pg_restore of it into `shadow_url`.
// Errors name the step, the tool's own words and, for the restore, the shadow's server.
// pg_dump waits at most `lock_wait` for each table's ACCESS SHARE lock: queued behind a session's ACCESS
// EXCLUSIVE lock it would block the target's readers too. A timeout names the session in the way.
Result<Millis> dump_target(const std::string& target_url, const CopyPlan& plan, const std::filesystem::path& dump_file,
                           Millis lock_wait, const std::vector<std::string>& schemas, CancelHub& hub);
Result<Millis> restore_into(const std::string& shadow_url, const std::filesystem::path& dump_file, CancelHub& hub);

// The read-only server options every connection to the target gets.
inline constexpr const char* kReadOnlyOptions = "-c default_transaction_read_only=on";

}  // namespace orch

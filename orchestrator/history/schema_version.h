#pragma once
// orchestrate's own schema ("orchestrate": runs, run_steps, run_migrations) carries a version, so a newer
// orchestrate upgrades an older database in place and an older one never writes into a shape it does not
// know. docs/history.md lists the versions.
//
//   0  no schema yet
//   1  runs + run_steps as every orchestrate before the version table wrote them (no version table)
//   2  the version table; progress columns on runs and run_steps; run_migrations (one row per migration)
namespace orch {

class Db;

constexpr int kHistorySchemaVersion = 2;

// What the database holds: 0 (nothing), 1 (tables without a version table), or the recorded version.
int history_schema_version(Db& c);

// Brings the schema to kHistorySchemaVersion in ONE transaction (all steps or none). Call it only while
// holding the project's run lock: no other run of this orchestrate writes meanwhile. A database already
// at the version costs one query. Throws DbError; std::runtime_error when the database is newer than
// this orchestrate (it then writes nothing).
void upgrade_history_schema(Db& c);

}  // namespace orch

#include "history/schema_version.h"

#include <memory>
#include <stdexcept>
#include <string>

#include "db/db.h"

namespace orch {

namespace {

// Version 1 as orchestrate wrote it before the version table, including the columns it added over time
// (ADD COLUMN IF NOT EXISTS): any earlier shape comes out as exactly version 1.
void create_v1(Tx& tx) {
  tx.exec("CREATE SCHEMA IF NOT EXISTS orchestrate");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS orchestrate.runs ("
      "  run_id text PRIMARY KEY,"
      "  project text NOT NULL,"
      "  target text NOT NULL,"
      "  command text NOT NULL,"
      "  started_at timestamptz NOT NULL DEFAULT now(),"
      "  finished_at timestamptz,"
      "  os_user text NOT NULL,"
      "  host text NOT NULL,"
      "  orchestrate_version text NOT NULL,"
      "  manifest_sha256 text NOT NULL,"
      "  outcome text NOT NULL DEFAULT 'running',"
      "  rls_state text,"
      "  rls_detail text)");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS orchestrate.run_steps ("
      "  run_id text NOT NULL REFERENCES orchestrate.runs (run_id) ON DELETE CASCADE,"
      "  service text NOT NULL,"
      "  runner text NOT NULL,"
      "  schema_name text NOT NULL,"
      "  before_revisions text[] NOT NULL,"
      "  after_revisions text[] NOT NULL,"
      "  applied integer NOT NULL,"
      "  duration_ms bigint NOT NULL,"
      "  state text NOT NULL,"
      "  error text,"
      "  finished_at timestamptz NOT NULL DEFAULT now(),"
      "  PRIMARY KEY (run_id, service))");
  tx.exec("CREATE INDEX IF NOT EXISTS run_steps_service ON orchestrate.run_steps (service, finished_at DESC)");
  tx.exec("ALTER TABLE orchestrate.runs ADD COLUMN IF NOT EXISTS rls_inputs_sha256 text, "
          "ADD COLUMN IF NOT EXISTS rls_state_sha256 text, ADD COLUMN IF NOT EXISTS rls_attempts integer");
  // Lock timeouts met (each retried after a backoff, or the last one ending the step).
  tx.exec("ALTER TABLE orchestrate.run_steps ADD COLUMN IF NOT EXISTS lock_timeouts integer NOT NULL DEFAULT 0");
}

// Version 2: progress while a run goes (status reads it from any machine) and one row per migration.
void upgrade_to_v2(Tx& tx) {
  tx.exec(
      "CREATE TABLE orchestrate.schema_version ("
      "  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),"
      "  version integer NOT NULL,"
      "  upgraded_at timestamptz NOT NULL DEFAULT now(),"
      "  orchestrate_version text NOT NULL)");
  // The run's session (its server process holds the run lock while the run lives), the services it
  // will run, and when its progress last changed.
  tx.exec("ALTER TABLE orchestrate.runs ADD COLUMN backend_pid integer, ADD COLUMN planned_services text[], "
          "ADD COLUMN updated_at timestamptz");
  // A step is written when its service starts (finished_at NULL until it ends) and when it changes.
  tx.exec("ALTER TABLE orchestrate.run_steps ALTER COLUMN finished_at DROP NOT NULL, "
          "ALTER COLUMN finished_at DROP DEFAULT, "
          "ADD COLUMN started_at timestamptz, ADD COLUMN current_migration text, "
          "ADD COLUMN current_since timestamptz, ADD COLUMN waiting_pid integer, ADD COLUMN waiting_on text, "
          "ADD COLUMN updated_at timestamptz");
  tx.exec(
      "CREATE TABLE orchestrate.run_migrations ("
      "  run_id text NOT NULL REFERENCES orchestrate.runs (run_id) ON DELETE CASCADE,"
      "  service text NOT NULL,"
      "  seq integer NOT NULL,"
      "  migration text NOT NULL,"
      "  from_revision text,"
      "  file text,"
      "  checksum text,"
      "  started_at timestamptz NOT NULL,"
      "  duration_ms bigint,"
      "  outcome text NOT NULL,"
      "  lock_timeouts integer NOT NULL DEFAULT 0,"
      "  error text,"
      "  PRIMARY KEY (run_id, service, seq))");
  tx.exec("CREATE INDEX run_migrations_service ON orchestrate.run_migrations (service, started_at DESC)");
}

int read_version(Tx& tx) {
  if (!tx.query("SELECT to_regclass('orchestrate.schema_version') IS NOT NULL")[0][0].as_bool())
    return tx.query("SELECT to_regclass('orchestrate.runs') IS NOT NULL")[0][0].as_bool() ? 1 : 0;
  auto rows = tx.query("SELECT version FROM orchestrate.schema_version");
  return rows.empty() ? 1 : static_cast<int>(rows[0][0].as_int());
}

}  // namespace

int history_schema_version(Db& c) {
  // Every run but the first finds the version table: one query.
  try {
    auto rows = c.query("SELECT version FROM orchestrate.schema_version");
    return rows.empty() ? 1 : static_cast<int>(rows[0][0].as_int());
  } catch (const DbError& e) {
    if (e.sqlstate() != "42P01" && e.sqlstate() != "3F000") throw;
  }
  return c.scalar("SELECT to_regclass('orchestrate.runs') IS NOT NULL") == "t" ? 1 : 0;
}

void upgrade_history_schema(Db& c) {
  int found = history_schema_version(c);
  if (found == kHistorySchemaVersion) return;
  auto refuse_newer = [](int v) {
    if (v > kHistorySchemaVersion)
      throw std::runtime_error("the orchestrate schema in this database is version " + std::to_string(v) +
                               ", newer than this orchestrate knows (" + std::to_string(kHistorySchemaVersion) +
                               "); upgrade orchestrate to record history here");
  };
  refuse_newer(found);
  auto tx = c.begin();
  // Projects sharing a database share the schema but not a run lock: one upgrade at a time, and read the
  // version again under it (another project's run may just have upgraded it).
  tx->query("SELECT pg_advisory_xact_lock(hashtext('orchestrate history schema'))");
  int v = read_version(*tx);
  refuse_newer(v);
  if (v == kHistorySchemaVersion) return;
  if (v < 2) {
    create_v1(*tx);  // nothing yet, or a version 1 from before some of its columns: exactly version 1
    upgrade_to_v2(*tx);
  }
  tx->query("INSERT INTO orchestrate.schema_version (version, orchestrate_version) VALUES ($1, $2) "
            "ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, upgraded_at = now(), "
            "orchestrate_version = EXCLUDED.orchestrate_version",
            {std::to_string(kHistorySchemaVersion), std::string(ORCHESTRATE_VERSION)});
  tx->commit();
}

}  // namespace orch

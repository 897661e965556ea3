#include "inspect/status_inspector.h"

#include <thread>

#include <atomic>

#include <map>

#include "db/database.h"
#include "db/db.h"
#include "history/history.h"
#include "history/run_progress.h"
#include "migration_kind.h"
#include "report/formats.h"
#include "rls/rls_phase.h"
#include "util/catalog_sql.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

struct DbState {
  std::string unreachable;  // why the database could not be read at all
  std::vector<VersionRows> services;
  std::map<std::string, LastStep> last;
  std::optional<RunInProgress> running;
  RlsCoverage rls;
};

// One round trip for every service's catalogue facts: does its version table exist, how many tables
// does its schema hold.
void read_catalogue(const Manifest& m, Tx& tx, DbState& st) {
  std::vector<std::string> schema, vschema, vtable;
  for (const auto& s : m.services) {
    schema.push_back(s.schema);
    vschema.push_back(s.version_schema);
    vtable.push_back(s.version_table);
  }
  auto facts = tx.query(
      "SELECT s.i, to_regclass(format('%I.%I', s.vschema, s.vtable)) IS NOT NULL, "
      "       (SELECT count(*) FROM " + std::string(catalog::kTables) + " WHERE n.nspname = s.schema AND " +
          catalog::kIsTable + " "
      "          AND NOT (n.nspname = s.vschema AND c.relname = s.vtable)), "
      "       (SELECT coalesce(string_agg(n.nspname || '.' || c.relname, ',' ORDER BY c.relname), '') "
      "        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
      "        WHERE n.nspname = s.schema AND NOT i.indisvalid) "
      "FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS s(schema, vschema, vtable, i)",
      {to_pg_array(schema), to_pg_array(vschema), to_pg_array(vtable)});
  for (const auto& row : facts) {
    auto i = static_cast<size_t>(row[0].as_int() - 1);
    st.services[i].table_exists = row[1].as_bool();
    st.services[i].tables = static_cast<long>(row[2].as_int());
    if (!row[3].str().empty()) st.services[i].invalid_indexes = split(row[3].str(), ',');
  }
}

// One round trip for every version table that exists, each in its kind's shape; branch numbers tag
// the rows.
void read_versions(const Manifest& m, Db& db, Tx& tx, DbState& st) {
  std::string q;
  for (size_t i = 0; i < m.services.size(); ++i) {
    const ServiceSpec& s = m.services[i];
    std::string select = migration_kind(s.runner).version_rows_sql(db.quote_name(s.version_schema) + "." +
                                                                   db.quote_name(s.version_table));
    if (!st.services[i].table_exists || select.empty()) continue;
    q += (q.empty() ? "" : " UNION ALL ") + ("SELECT " + std::to_string(i) + ", v.* FROM (" + select + ") AS v");
  }
  if (q.empty()) return;
  for (const auto& row : tx.query(q + " ORDER BY 1, 2"))
    st.services[static_cast<size_t>(row[0].as_int())].rows.push_back({row[1].str(), row[2].str(), row[3].str()});
}

DbState read_database(const Manifest& m, Db* db, const std::string& target, const std::string& connect_error,
                      InspectParts parts) {
  DbState st;
  st.services.resize(m.services.size());
  if (!db) {
    st.unreachable = connect_error;
    return st;
  }
  try {
    // Two round trips, without BEGIN and COMMIT around them (two more): status pays them per target,
    // and `up` before every run. A version table dropped between them fails the read, reported below.
    auto tx = db->begin(TxKind::Autocommit);
    read_catalogue(m, *tx, st);
    read_versions(m, *db, *tx, st);
  } catch (const std::exception& e) {
    // A version table this user may not read, say: report it on every service rather than guess.
    for (auto& s : st.services) s.error = first_error_line(e.what());
  }
  if (parts.last_runs) {
    try {
      st.last = last_steps(*db, m.project_name);
      st.running = read_run_in_progress(*db, m.project_name, target);
    } catch (const std::exception&) {
      // No history yet, or no right to read it: status still answers.
    }
  }
  if (parts.rls_coverage && !m.rls.require.empty()) st.rls = verify_rls(*db, m);
  return st;
}

// An INVALID index is unusable and holds writes to its table back; `up` rebuilds one a pending
// no-transaction file creates, anything else needs a hand.
void flag_invalid_indexes(const VersionRows& db, ServiceStatus& out) {
  if (db.invalid_indexes.empty() || out.state == service_state::kError) return;
  out.state = service_state::kError;
  out.detail = "INVALID index " + join(db.invalid_indexes, ", ") +
               " (left by an interrupted CREATE INDEX CONCURRENTLY): `up` rebuilds it when a pending file creates it; "
               "otherwise run DROP INDEX CONCURRENTLY " + db.invalid_indexes.front() + " and create it again";
}

}  // namespace

StatusReport inspect_status(const Manifest& m, const std::string& url, const std::string& target, InspectParts parts) {
  std::unique_ptr<Db> c;
  std::string connect_error;
  try {
    c = connect_db(url, "orchestrate/status");
  } catch (const std::exception& e) {
    connect_error = first_error_line(e.what());
  }
  return inspect_status(m, c.get(), secrets::redact_url(url), target, connect_error, parts);
}

StatusReport inspect_status(const Manifest& m, Db* c, const std::string& shown_url, const std::string& target,
                            const std::string& connect_error, InspectParts parts) {
  StatusReport r;
  r.project = m.project_name;
  r.target = target;
  r.database = shown_url;
  r.generated_at = iso8601_now();
  r.rls_configured = !m.rls.require.empty();
  // A few batched queries, then the files: the same round trips whatever the number of services.
  DbState db = read_database(m, c, target, connect_error, parts);
  r.running = db.running;
  r.services.resize(m.services.size());
  for (size_t i = 0; i < m.services.size(); ++i) {
    const ServiceSpec& s = m.services[i];
    ServiceStatus& out = r.services[i];
    out.name = s.name;
    out.runner = s.runner;
    out.schema = s.schema;
    const MigrationKind& kind = migration_kind(s.runner);
    if (!db.unreachable.empty()) {
      out.state = service_state::kUnreachable;
      out.detail = "cannot connect: " + db.unreachable;
    } else if (!db.services[i].error.empty()) {
      out.state = service_state::kError;
      out.detail = db.services[i].error;
    } else {
      kind.read_state(s, db.services[i], out);
      flag_invalid_indexes(db.services[i], out);
    }
    if (auto it = db.last.find(s.name); it != db.last.end()) {
      out.last_run = LastRunInfo{it->second.run_id, it->second.state, it->second.finished_at};
      if (out.last_applied_at.empty()) out.last_applied_at = it->second.last_applied_at;
    }
  }
  if (!db.unreachable.empty()) r.rls.error = "cannot connect: " + db.unreachable;
  else r.rls = db.rls;
  return r;
}

std::vector<StatusReport> inspect_targets(const Manifest& m, const std::vector<ResolvedTarget>& targets, int jobs,
                                          InspectParts parts) {
  std::vector<StatusReport> out(targets.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < targets.size();) out[i] = inspect_status(m, targets[i].url, targets[i].name, parts);
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < std::min<int>(std::max(1, jobs), static_cast<int>(targets.size())); ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace orch

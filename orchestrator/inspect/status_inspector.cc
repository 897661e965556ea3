#include "inspect/status_inspector.h"

#include <map>
#include <set>

#include "alembic/revision_reader.h"
#include "db/database.h"
#include "db/db.h"
#include "history/history.h"
#include "report/formats.h"
#include "rls/rls_phase.h"
#include "sql/sql_migrations.h"
#include "util/secrets.h"
#include "util/text.h"

namespace orch {

namespace {

// What the database says about one service.
struct DbSide {
  bool version_table = false;
  long tables = 0;  // ordinary and partitioned tables in the schema, version table excluded
  struct Row {
    std::string version;
    std::string applied_at;
    std::string checksum;
  };
  std::vector<Row> rows;
  std::string error;
};

struct DbState {
  std::string unreachable;  // why the database could not be read at all
  std::vector<DbSide> services;
  std::map<std::string, LastStep> last;
  RlsCoverage rls;
};

DbState read_database(const Manifest& m, Db* c, const std::string& connect_error) {
  DbState st;
  st.services.resize(m.services.size());
  if (!c) {
    st.unreachable = connect_error;
    return st;
  }
  try {
    std::vector<std::string> svc, schema, vschema, vtable;
    for (const auto& s : m.services) {
      svc.push_back(s.name);
      schema.push_back(s.schema);
      vschema.push_back(s.version_schema);
      vtable.push_back(s.version_table);
    }
    auto tx = c->begin(TxKind::ReadOnly);
    // One round trip for every service's catalogue facts.
    auto facts = tx->query(
        "SELECT s.i, to_regclass(format('%I.%I', s.vschema, s.vtable)) IS NOT NULL, "
        "       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "        WHERE n.nspname = s.schema AND c.relkind IN ('r', 'p') "
        "          AND NOT (n.nspname = s.vschema AND c.relname = s.vtable)) "
        "FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS s(schema, vschema, vtable, i)",
        {to_pg_array(schema), to_pg_array(vschema), to_pg_array(vtable)});
    for (const auto& row : facts) {
      size_t i = static_cast<size_t>(row[0].as_int() - 1);
      st.services[i].version_table = row[1].as_bool();
      st.services[i].tables = static_cast<long>(row[2].as_int());
    }
    // One round trip for every version table that exists. Branch numbers, not names, tag the rows.
    std::string q;
    for (size_t i = 0; i < m.services.size(); ++i) {
      const ServiceSpec& s = m.services[i];
      if (!st.services[i].version_table) continue;
      std::string rel = c->quote_name(s.version_schema) + "." + c->quote_name(s.version_table);
      if (!q.empty()) q += " UNION ALL ";
      if (s.runner == RunnerKind::Sql)
        q += "SELECT " + std::to_string(i) + ", version::text, to_char(applied_at AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), checksum FROM " + rel;
      else
        q += "SELECT " + std::to_string(i) + ", version_num::text, NULL::text, NULL::text FROM " + rel;
    }
    if (!q.empty()) {
      for (const auto& row : tx->query(q + " ORDER BY 1, 2"))
        st.services[static_cast<size_t>(row[0].as_int())].rows.push_back({row[1].str(), row[2].str(), row[3].str()});
    }
    tx->commit();
  } catch (const std::exception& e) {
    // A version table this user may not read, say: report it on every service rather than guess.
    for (auto& s : st.services) s.error = first_error_line(e.what());
  }
  try {
    st.last = last_steps(*c, m.project_name);
  } catch (const std::exception&) {
    // No history yet, or no right to read it: status still answers.
  }
  if (!m.rls.require.empty()) st.rls = verify_rls(*c, m);
  return st;
}

void alembic_state(const ServiceSpec& s, const DbSide& db, ServiceStatus& out) {
  auto dirs = versions_dirs_from_ini(s.path / s.config);
  std::optional<RevisionSet> set;
  std::string file_error;
  if (!dirs) {
    file_error = "cannot locate the revision files from " + s.path_text + "/" + s.config;
  } else {
    std::vector<RevisionFile> files;
    for (const auto& d : *dirs) {
      auto part = RevisionSet::read_dir(d);
      files.insert(files.end(), part.files().begin(), part.files().end());
    }
    set = RevisionSet::from_files(std::move(files));
    for (const auto& f : set->files())
      if (!f.error.empty()) {
        file_error = "cannot read " + f.path.filename().string() + ": " + f.error;
        break;
      }
    out.heads = set->heads();
  }
  for (const auto& r : db.rows) out.current.push_back(r.version);
  // A chain with a parent no file declares cannot be applied: `upgrade head` fails on it.
  if (file_error.empty() && set)
    for (const auto& f : set->files())
      for (const auto& d : f.down_revisions)
        if (!set->find(d) && file_error.empty())
          file_error = "broken revision chain: " + f.path.filename().string() + " names down_revision " + d +
                       ", which no file declares; `orchestrate check` shows where";
  if (!file_error.empty()) {
    out.state = service_state::kError;
    out.detail = file_error;
    return;
  }
  if (!db.version_table) {
    if (db.tables > 0) {
      out.state = service_state::kTablesWithoutVersion;
      out.detail = "schema " + s.schema + " has " + std::to_string(db.tables) + " table(s) but no version table " +
                   s.version_schema + "." + s.version_table +
                   ": it was created outside migrations; record the revision it matches (alembic stamp REV) before `up`";
    } else {
      out.state = service_state::kNotInitialised;
    }
  }
  auto pending = set->pending(out.current);
  if (!pending) {
    std::vector<std::string> unknown;
    for (const auto& c : out.current)
      if (!set->find(c)) unknown.push_back(c);
    out.state = service_state::kAhead;
    out.detail = "the database holds revision " + join(unknown, ", ") +
                 ", which no revision file declares: history was squashed or deleted, or the database is ahead "
                 "of this checkout";
    return;
  }
  out.pending = *pending;
  for (const auto& p : out.pending) out.pending_messages.push_back(set->find(p) ? set->find(p)->message : "");
  if (out.state.empty()) out.state = out.pending.empty() ? service_state::kUpToDate : service_state::kPending;
}

void sql_state(const ServiceSpec& s, const DbSide& db, ServiceStatus& out) {
  SqlMigrationSet set = read_sql_migrations(s.path);
  if (!set.errors.empty()) {
    out.state = service_state::kError;
    out.detail = s.path_text + "/" + set.errors.front();
    return;
  }
  if (!set.migrations.empty()) out.heads = {set.migrations.back().version_text};
  std::map<long long, const DbSide::Row*> applied;
  for (const auto& r : db.rows) applied[std::stoll(r.version)] = &r;
  auto label = [&](long long v) {
    for (const auto& mig : set.migrations)
      if (mig.version == v) return mig.version_text;
    return std::to_string(v);
  };
  if (!applied.empty()) out.current = {label(applied.rbegin()->first)};
  for (const auto& r : db.rows)
    if (!r.applied_at.empty() && r.applied_at > out.last_applied_at) out.last_applied_at = r.applied_at;
  for (const auto& mig : set.migrations) {
    auto it = applied.find(mig.version);
    if (it == applied.end()) {
      out.pending.push_back(mig.version_text);
      out.pending_messages.push_back(mig.name);
    } else if (it->second->checksum != mig.checksum) {
      out.state = service_state::kError;
      out.detail = s.path_text + "/" + mig.path.filename().string() + " was changed after it was applied";
    }
  }
  std::vector<std::string> unknown;
  for (const auto& [v, row] : applied) {
    bool found = false;
    for (const auto& mig : set.migrations) found = found || mig.version == v;
    if (!found) unknown.push_back(std::to_string(v));
  }
  if (!out.state.empty()) return;
  if (!unknown.empty()) {
    out.state = service_state::kAhead;
    out.detail = "the ledger holds version " + join(unknown, ", ") + ", which no file in " + s.path_text +
                 " declares: files were deleted or squashed, or the database is ahead of this checkout";
    return;
  }
  if (!db.version_table) {
    out.state = db.tables > 0 ? service_state::kTablesWithoutVersion : service_state::kNotInitialised;
    if (db.tables > 0)
      out.detail = "schema " + s.schema + " has " + std::to_string(db.tables) + " table(s) but no ledger " +
                   s.version_schema + "." + s.version_table + ": it was created outside migrations";
    return;
  }
  out.state = out.pending.empty() ? service_state::kUpToDate : service_state::kPending;
}

}  // namespace

StatusReport inspect_status(const Manifest& m, const std::string& url, const std::string& target) {
  std::unique_ptr<Db> c;
  std::string connect_error;
  try {
    c = connect_db(url, "orchestrate/status");
  } catch (const std::exception& e) {
    connect_error = first_error_line(e.what());
  }
  return inspect_status(m, c.get(), secrets::redact_url(url), target, connect_error);
}

StatusReport inspect_status(const Manifest& m, Db* c, const std::string& shown_url, const std::string& target,
                            const std::string& connect_error) {
  StatusReport r;
  r.project = m.project_name;
  r.target = target;
  r.database = shown_url;
  r.generated_at = iso8601_now();
  r.rls_configured = !m.rls.require.empty();
  // Two batched queries, then the files: a handful of round trips whatever the number of services.
  DbState db = read_database(m, c, connect_error);
  std::vector<ServiceStatus> statuses(m.services.size());
  for (size_t i = 0; i < m.services.size(); ++i) {
    const ServiceSpec& s = m.services[i];
    ServiceStatus& out = statuses[i];
    out.name = s.name;
    out.runner = to_string(s.runner);
    out.schema = s.schema;
    if (!db.unreachable.empty()) {
      out.state = service_state::kUnreachable;
      out.detail = "cannot connect: " + db.unreachable;
    } else if (!db.services[i].error.empty()) {
      out.state = service_state::kError;
      out.detail = db.services[i].error;
    } else if (s.runner == RunnerKind::Alembic) {
      alembic_state(s, db.services[i], out);
    } else if (s.runner == RunnerKind::Sql) {
      sql_state(s, db.services[i], out);
    } else {
      out.state = service_state::kUntracked;
      out.detail = "command runner: orchestrate cannot see its versions";
    }
    if (auto it = db.last.find(s.name); it != db.last.end()) {
      out.last_run = LastRunInfo{it->second.run_id, it->second.state, it->second.finished_at};
      if (out.last_applied_at.empty()) out.last_applied_at = it->second.last_applied_at;
    }
  }
  r.services = std::move(statuses);
  if (!db.unreachable.empty()) r.rls.error = "cannot connect: " + db.unreachable;
  else r.rls = db.rls;
  return r;
}

}  // namespace orch

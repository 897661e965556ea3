#include "sql/sql_kind.h"

#include <algorithm>
#include <limits>
#include <fstream>
#include <map>
#include <sstream>

#include "db/database.h"
#include "db/db.h"
#include "db/held_locks.h"
#include "sql/sql_check.h"
#include "sql/sql_ledger.h"
#include "sql/sql_migrations.h"
#include "sql/sql_runner.h"
#include "util/catalog_sql.h"
#include "util/numbers.h"
#include "util/sql_text.h"
#include "util/text.h"

namespace orch {

std::unique_ptr<ServiceRunner> SqlKind::make_runner(RunnerContext ctx) const {
  SqlRunner::Options opt;
  opt.rules = rules_;
  return std::make_unique<SqlRunner>(ctx, opt);
}

std::string SqlKind::version_rows_sql(const std::string& rel) const {
  return "SELECT version::text, " + catalog::iso_utc("applied_at") + ", checksum FROM " + rel;
}

void SqlKind::read_state(const ServiceSpec& s, const VersionRows& db, ServiceStatus& out) const {
  SqlMigrationSet set = read_sql_migrations(s.path, s.max_file_bytes);
  std::map<long long, const VersionRows::Row*> applied;
  for (const auto& r : db.rows)  // the ledger's bigint column: always a number that fits
    if (auto v = parse_whole_number(r.version, 0, std::numeric_limits<long long>::max(), "ledger version")) applied[*v] = &r;
  // What the ledger holds is true whatever the files say: shown even when they cannot be read.
  if (!applied.empty()) out.current = {version_label(set, applied.rbegin()->first)};
  for (const auto& r : db.rows)
    if (!r.applied_at.empty() && r.applied_at > out.last_applied_at) out.last_applied_at = r.applied_at;
  if (!set.errors.empty()) {
    out.state = service_state::kError;
    out.detail = s.path_text + "/" + set.errors.front();
    return;
  }
  if (!set.migrations.empty()) out.heads = {set.migrations.back().version_text};
  bool changed = false;  // a file edited after it was applied: that error stands over the rest
  for (const auto& mig : set.migrations) {
    auto it = applied.find(mig.version);
    if (it == applied.end()) {
      out.pending.push_back(mig.version_text);
      out.pending_messages.push_back(mig.name);
    } else if (!it->second->checksum.empty() && it->second->checksum != mig.checksum) {
      out.state = service_state::kError;
      out.detail = s.path_text + "/" + mig.path.filename().string() + " was changed after it was applied";
      changed = true;
    }
  }
  std::vector<std::string> unknown;
  for (const auto& [v, row] : applied)
    if (std::none_of(set.migrations.begin(), set.migrations.end(), [v = v](const SqlMigration& m) { return m.version == v; }))
      unknown.push_back(std::to_string(v));
  if (changed) return;
  if (!unknown.empty()) {
    out.state = service_state::kAhead;
    out.detail = "the ledger holds version " + join(unknown, ", ") + ", which no file in " + s.path_text +
                 " declares: files were deleted or squashed, or the database is ahead of this checkout";
    return;
  }
  if (!db.table_exists) {
    out.state = db.tables > 0 ? service_state::kTablesWithoutVersion : service_state::kNotInitialised;
    if (db.tables > 0)
      out.detail = "schema " + s.schema + " has " + std::to_string(db.tables) + " table(s) but no ledger " +
                   s.version_schema + "." + s.version_table + ": it was created outside migrations";
    return;
  }
  out.state = out.pending.empty() ? service_state::kUpToDate : service_state::kPending;
}

// The pending files as one script that does what `up` would: the steps the runner executes
// (sql_steps.h), with the ledger's values inlined as literals.
Result<std::string> SqlKind::offline_sql(const ServiceSpec& s, const ServiceStatus& st, const std::string& url) const {
  auto pieces = offline_pieces(s, st, url, true);
  if (!pieces) return pieces.error();
  return pieces->empty() ? render_prepare(prepare_steps(s, rules_, quote_identifier)) : pieces->front().sql;
}

// Each pending file as a script of its own (the schema and ledger created first, as `up` does), or all of
// them as one with `squash`.
Result<std::vector<SqlPiece>> SqlKind::offline_pieces(const ServiceSpec& s, const ServiceStatus& st, const std::string&,
                                                      bool squash) const {
  SqlMigrationSet set = read_sql_migrations(s.path, s.max_file_bytes);
  const QuoteFn q = [](const std::string& x) { return quote_identifier(x); };
  const std::string prepare = render_prepare(prepare_steps(s, rules_, q));
  std::vector<SqlPiece> out;
  std::string first;
  for (const auto& mig : set.migrations) {
    if (std::find(st.pending.begin(), st.pending.end(), mig.version_text) == st.pending.end()) continue;
    std::string sql = "\n-- " + s.path_text + "/" + mig.path.filename().string() + "\n" +
                      render_steps(file_steps(s, mig, rules_, "orchestrate plan --sql", q), sql_literal);
    if (!squash || out.empty()) {
      out.push_back({squash ? mig.version_text : mig.path.stem().string(), prepare + sql});
      first = mig.version_text;
    } else {
      out.back().sql += sql;
      out.back().label = first + "_to_" + mig.version_text;
    }
  }
  return out;
}

Result<std::vector<LintSource>> SqlKind::lint_sources(const ServiceSpec& s, const ServiceStatus* st,
                                                     const std::string&) const {
  std::vector<LintSource> out;
  for (auto& mig : read_sql_migrations(s.path, s.max_file_bytes).migrations) {
    if (st && std::find(st->pending.begin(), st->pending.end(), mig.version_text) == st->pending.end()) continue;
    out.push_back({s.name, s.path_text + "/" + mig.path.filename().string(), std::move(mig.contents), !mig.no_transaction,
                   s.schema, {}});
  }
  return out;
}

namespace {

// The ledger's versions, newest first; empty when there is no ledger.
std::vector<long long> applied_versions(Db& db, const ServiceSpec& s, const FileLedger& ledger) {
  std::vector<long long> applied;
  const QuoteFn q = [&db](const std::string& x) { return db.quote_name(x); };
  auto tx = db.begin(TxKind::ReadOnly);
  if (!tx->query("SELECT to_regclass($1) IS NOT NULL", {q(s.version_schema) + "." + q(s.version_table)})[0][0].as_bool())
    return applied;
  for (const auto& r : tx->query(ledger.versions_desc_sql(s, q))) applied.push_back(r[0].as_int());
  tx->commit();
  return applied;
}

}  // namespace

// NNNN_name.down.sql files, newest first, each in a transaction with its ledger row removed. Every
// down file must exist before the first one runs.
Status SqlKind::downgrade(const ServiceSpec& s, const std::string& to, StepContext& ctx) const {
  SqlMigrationSet set = read_sql_migrations(s.path, s.max_file_bytes);
  Db& db = ctx.db;
  const QuoteFn q = [&db](const std::string& x) { return db.quote_name(x); };
  std::vector<const SqlMigration*> files;
  long long to_version = -1;
  if (to != "-1" && to != "base") {
    auto v = parse_whole_number(to, 0, std::numeric_limits<long long>::max(), "--to");
    if (!v) return v.error();
    to_version = *v;
  }
  for (long long v : applied_versions(db, s, *rules_.ledger)) {
    if (to == "-1" && !files.empty()) break;
    if (to_version >= 0 && v <= to_version) break;
    auto it = std::find_if(set.migrations.begin(), set.migrations.end(), [v](const SqlMigration& m) { return m.version == v; });
    if (it == set.migrations.end())
      return Error{"version " + std::to_string(v) + " is in the ledger but its file is gone from " + s.path_text, s.name};
    if (it->down_path.empty())
      return Error{"no down file for " + it->path.filename().string() + ": write " + s.path_text + "/" + it->version_text +
                       "_" + it->name + ".down.sql (nothing was downgraded)",
                   s.name};
    files.push_back(&*it);
  }
  for (const auto* mig : files) {
    ctx.line("reverting " + mig->path.filename().string() + " with " + mig->down_path.filename().string());
    try {
      auto tx = db.begin();
      if (rules_.search_path) tx->exec("SET LOCAL search_path TO " + db.quote_name(s.schema) + ", public");
      tx->exec(read_text_file(mig->down_path));
      const LedgerWrite forget = rules_.ledger->forget(s, *mig, q);
      tx->query(forget.sql, Params(forget.values.begin(), forget.values.end()));
      if (ctx.guard_server_objects)  // rolled back with tx: see RunnerContext::guard_server_objects
        if (auto written = server_object_writes(*tx); !written.empty()) {
          ctx.refused_server_objects = true;
          return Error{"it changes what every database of the server shares (" + join(written, ", ") +
                           "): in a shadow on the target's own server that change would be real, so it was rolled back",
                       s.path_text + "/" + mig->down_path.filename().string()};
        }
      tx->commit();
    } catch (const std::exception& e) {
      int rel = error_line(e.what());
      return Error{first_error_line(e.what()) + " (rolled back; the ledger still lists " + mig->version_text + ")",
                   s.path_text + "/" + mig->down_path.filename().string() + (rel ? ":" + std::to_string(rel) : "")};
    }
  }
  return ok();
}

Status SqlKind::baseline(const ServiceSpec& s, const std::string& to, bool, StepContext& ctx) const {
  SqlMigrationSet set = read_sql_migrations(s.path, s.max_file_bytes);
  long long upto = set.migrations.empty() ? 0 : set.migrations.back().version;
  if (to != "head") {
    auto v = parse_whole_number(to, 0, std::numeric_limits<long long>::max(), "--to");
    if (!v) return v.error();
    upto = *v;
  }
  Db& db = ctx.db;
  const QuoteFn q = [&db](const std::string& x) { return db.quote_name(x); };
  const std::string who = "baseline (orchestrate " ORCHESTRATE_VERSION ", run " + ctx.run_id + ")";
  try {
    auto tx = db.begin();
    for (const auto& st : prepare_steps(s, rules_, q)) tx->exec(st);
    size_t n = 0;
    for (const auto& mig : set.migrations) {
      if (mig.version > upto) break;
      RecordFacts facts{"0", who, {}};
      if (rules_.ledger->keeps_statements()) facts.statements = ledger_statements(mig);
      const LedgerWrite w = rules_.ledger->record_if_missing(s, mig, facts, q);
      n += tx->query(w.sql, Params(w.values.begin(), w.values.end())).size();
    }
    tx->commit();
    ctx.line("recorded " + std::to_string(n) + " file(s) up to " + to + " as applied");
  } catch (const std::exception& e) {
    return Error{first_error_line(e.what()), s.name};
  }
  return ok();
}

bool SqlKind::knows_version(const ServiceSpec& s, const std::string& to) const {
  if (to == "head") return true;
  SqlMigrationSet set = read_sql_migrations(s.path, s.max_file_bytes);
  return std::any_of(set.migrations.begin(), set.migrations.end(),
                     [&](const SqlMigration& m) { return m.version_text == to || std::to_string(m.version) == to; });
}

std::vector<Finding> SqlKind::check_files(const ServiceSpec& s, const std::filesystem::path&) const {
  return check_sql_files(s.path, s.path_text, s.max_file_bytes);
}

ProbeResult SqlKind::probe(const ServiceSpec&) const {
  ProbeResult r;
  r.ok = true;
  r.version = "built in (libpq)";
  return r;
}

}  // namespace orch

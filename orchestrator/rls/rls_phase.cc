#include "rls/rls_phase.h"

#include <fstream>
#include <set>
#include <sstream>

#include "db/database.h"
#include "db/db.h"
#include "db/lock_blocker.h"
#include "rls/policy_render.h"
#include "util/catalog_sql.h"
#include "util/duration.h"
#include "util/lock_retry.h"
#include "util/result.h"
#include "util/sha256.h"
#include "util/sql_split.h"
#include "util/text.h"

namespace orch {

const char* to_string(RlsState s) {
  switch (s) {
    case RlsState::NotConfigured: return "not-configured";
    case RlsState::Applied: return "applied";
    case RlsState::Skipped: return "skipped";
    case RlsState::Failed: return "failed";
    case RlsState::VerifiedOnly: return "verified";
    case RlsState::Unchanged: return "unchanged";
  }
  return "?";
}

std::vector<std::pair<std::filesystem::path, std::string>> rls_files(const Manifest& m) {
  std::vector<std::pair<std::filesystem::path, std::string>> out;
  for (size_t i = 0; i < m.rls.files.size(); ++i) out.emplace_back(m.rls.files[i], m.rls.files_text[i]);
  for (const auto& s : m.services)
    for (size_t i = 0; i < s.rls.size(); ++i) out.emplace_back(s.rls[i], s.rls_text[i]);
  return out;
}

std::vector<std::string> render_declarative_policies(Tx& tx, const Manifest& m) {
  std::vector<std::string> out;
  auto skip = rls_bookkeeping_tables(m);
  QuoteFn quote = [&tx](const std::string& s) { return tx.quote_name(s); };
  for (const auto& p : m.rls.policies) {
    // One query per policy, every schema at once, in a stable order.
    auto rows = tx.query(
        std::string("SELECT n.nspname, c.relname FROM ") + catalog::kTables + " " +
            "WHERE n.nspname = ANY ($1::text[]) AND " + catalog::kIsTable + " "
        "  AND ($2 = '' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $2 "
        "                          AND a.attnum > 0 AND NOT a.attisdropped)) "
        "ORDER BY array_position($1::text[], n.nspname::text), c.relname",
        {to_pg_array(p.schemas), p.when_column});
    for (const auto& r : rows) {
      std::string schema = r[0].str(), table = r[1].str();
      if (skip.count(schema + "." + table)) continue;
      for (auto& st : render_policy(p, schema, table, m.rls.force, quote)) out.push_back(st);
    }
  }
  return out;
}

std::string rls_inputs_sha256(Tx& tx, const Manifest& m) {
  std::string all;
  for (const auto& [path, text] : rls_files(m)) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    all += text + '\0' + ss.str() + '\0';
  }
  for (const auto& st : render_declarative_policies(tx, m)) all += st + '\0';
  return sha256_hex(all);
}

std::string rls_state_sha256(Tx& tx, const Manifest& m) {
  std::set<std::string> schemas(m.rls.require.begin(), m.rls.require.end());
  for (const auto& s : m.services) schemas.insert(s.schema);
  for (const auto& p : m.rls.policies) schemas.insert(p.schemas.begin(), p.schemas.end());
  std::vector<std::string> list(schemas.begin(), schemas.end());
  auto r = tx.query(
      "SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM ("
      "  SELECT format('%s.%s rls=%s force=%s', n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity) AS x"
      "  FROM " + std::string(catalog::kTables) + "  WHERE n.nspname = ANY ($1::text[]) AND " + catalog::kIsTable +
      "  UNION ALL"
      "  SELECT format('%s.%s %s %s %s %s %s %s', schemaname, tablename, policyname, permissive, roles, cmd, qual, with_check)"
      "  FROM pg_policies WHERE schemaname = ANY ($1::text[])) AS t",
      {to_pg_array(list)});
  return sha256_hex(r[0][0].str());
}

namespace {

using ParsedFile = std::pair<std::string, std::vector<SqlStatement>>;  // as written, statements

// Every file read and checked before the database is touched.
Result<std::vector<ParsedFile>> read_rls_files(const Manifest& m) {
  std::vector<ParsedFile> parsed;
  for (const auto& [path, text] : rls_files(m)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"cannot be read", text};
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string sql = ss.str();
    if (auto valid = check_text(sql); !valid)
      return Error{"this line " + valid.error().message + "; save the file as UTF-8 text", text + ":" + valid.error().where};
    // PostgreSQL's own grammar: a syntax error is found before the database is touched, and only real
    // transaction statements (not a function's BEGIN ATOMIC … END) are refused.
    auto stmts = parse_sql(sql);
    if (!stmts) return Error{"syntax error: " + stmts.error().message, text + ":" + stmts.error().where};
    for (const auto& st : *stmts)
      if (is_transaction_control(st))
        return Error{st.keyword +
                         " is not allowed in an RLS file: the RLS phase runs every file in one transaction, all or "
                         "nothing; remove the transaction control statements",
                     text + ":" + std::to_string(st.line)};
    parsed.emplace_back(text, std::move(*stmts));
  }
  return parsed;
}

}  // namespace

Status check_rls_files(const Manifest& m) {
  auto read = read_rls_files(m);
  if (!read) return read.error();
  return ok();
}

namespace {

// The server's message, and what a lock timeout means here.
std::string statement_error(const DbError& e, const Manifest& m) {
  std::string msg = first_error_line(e.what());
  if (e.lock_timeout())
    msg += " (waited " + format_duration(m.rls.lock_timeout) +
           " for a table lock: a long transaction holds it; see pg_stat_activity, or raise [rls] lock_timeout or "
           "lock_retries)";
  return msg;
}

Status run_files(Tx& tx, const std::vector<ParsedFile>& files, const Manifest& m, RlsResult& r, bool& timed_out) {
  for (const auto& [text, stmts] : files) {
    ++r.files;
    for (const auto& st : stmts) {
      try {
        tx.exec(st.text);
      } catch (const DbError& e) {
        timed_out = e.lock_timeout();
        int rel = error_line(e.what());
        return Error{statement_error(e, m), text + ":" + std::to_string(st.line + (rel > 0 ? rel - 1 : 0))};
      }
      ++r.statements;
    }
  }
  return ok();
}

// The table of a rendered `CREATE POLICY "name" ON "schema"."table" AS PERMISSIVE …`; "" for other statements.
std::string policy_table(const std::string& st) {
  static const std::string head = "CREATE POLICY \"";
  if (st.compare(0, head.size(), head) != 0) return "";
  size_t i = head.size();
  for (; i < st.size(); ++i)  // past the quoted name ("" is a quote inside it)
    if (st[i] == '"' && !(i + 1 < st.size() && st[i + 1] == '"')) break;
    else if (st[i] == '"') ++i;
  const size_t on = st.find(" ON ", i), as = st.find(" AS PERMISSIVE FOR ", i);
  return on == std::string::npos || as == std::string::npos ? "" : st.substr(on + 4, as - on - 4);
}

Status run_declarative(Tx& tx, const Manifest& m, RlsResult& r, bool& timed_out) {
  std::set<std::string> tables;  // several policies on one table count it once
  for (const auto& st : render_declarative_policies(tx, m)) {
    try {
      tx.exec(st);
    } catch (const DbError& e) {
      timed_out = e.lock_timeout();
      return Error{statement_error(e, m) + " in: " + st, "[[rls.policy]]"};
    }
    ++r.statements;
    if (auto t = policy_table(st); !t.empty() && tables.insert(t).second) ++r.policy_tables;
  }
  return ok();
}

RlsResult failed(RlsResult r, const Error& e) {
  r.state = RlsState::Failed;
  r.reason = e.text();
  return r;
}

}  // namespace

namespace {

const char* const kRolledBack = " (the RLS phase was rolled back; no policy changed)";

// One attempt, in one transaction; `timed_out` says it failed waiting for a table lock.
RlsResult apply_once(Db& db, const Manifest& m, const std::vector<ParsedFile>& files, bool& timed_out) {
  RlsResult r;
  try {
    auto tx = db.begin();
    // ALTER TABLE and CREATE POLICY wait for every transaction using the table, and every later query
    // on the table queues behind them: give up after a while, and retry (apply_rls).
    tx->query("SELECT set_config('lock_timeout', $1, true)", {std::to_string(m.rls.lock_timeout.count()) + "ms"});
    if (auto st = run_files(*tx, files, m, r, timed_out); !st)
      return failed(r, Error{st.error().message + kRolledBack, st.error().where});
    if (auto st = run_declarative(*tx, m, r, timed_out); !st)
      return failed(r, Error{st.error().message + kRolledBack, st.error().where});
    r.inputs_sha256 = rls_inputs_sha256(*tx, m);
    r.state_sha256 = rls_state_sha256(*tx, m);
    tx->commit();
    r.state = RlsState::Applied;
  } catch (const std::exception& e) {
    return failed(r, Error{first_error_line(e.what()) + kRolledBack, "RLS phase"});
  }
  return r;
}

// The schemas whose tables the phase locks: where to look for the blocker.
std::vector<std::string> rls_schemas(const Manifest& m) {
  std::set<std::string> out(m.rls.require.begin(), m.rls.require.end());
  for (const auto& p : m.rls.policies) out.insert(p.schemas.begin(), p.schemas.end());
  for (const auto& s : m.services) out.insert(s.schema);
  return {out.begin(), out.end()};
}

}  // namespace

RlsResult apply_rls(Db& db, const Manifest& m, const RlsRetry& retry) {
  RlsResult r;
  auto files = read_rls_files(m);
  if (!files) return failed(r, files.error());
  if (files->empty() && m.rls.policies.empty()) {
    r.state = RlsState::NotConfigured;
    if (!m.rls.require.empty()) r.coverage = verify_rls(db, m);
    return r;
  }
  LockRetry retry_(LockRetryPolicy::of(m.rls.lock_timeout, m.rls.lock_retries, "a table lock"));
  LockTimeout last;
  LockRetry::Hooks hooks;
  hooks.blocker = [&] {
    const Blocker held = find_blocker(db, rls_schemas(m));
    return std::make_pair(held.text, held.pid);
  };
  hooks.waiting = [&](const LockTimeout& t) {
    if (retry.waiting) retry.waiting(LockWait{"", t.blocker, t.blocker_pid, t.attempt, t.attempts, t.next, t.waited});
    if (retry.note) retry.note("RLS phase: " + t.retry_line(""));
  };
  hooks.wait = retry.sleep;
  auto end = retry_.run(
      [&](int attempt) {
        bool timed_out = false;
        r = apply_once(db, m, *files, timed_out);
        r.attempts = attempt;
        return !timed_out;
      },
      hooks, &last);
  if (end == LockRetry::End::GaveUp) {
    r.reason += "; " + last.gave_up();
    return r;
  }
  if (end == LockRetry::End::Interrupted) {
    r.reason = "interrupted while waiting to retry after a lock timeout" + std::string(kRolledBack);
    return r;
  }
  if (r.state == RlsState::Applied) r.coverage = verify_rls(db, m);
  return r;
}

std::string RlsCoverage::problem_summary() const {
  int missing = 0;
  for (const auto& u : uncovered) missing += u.table.size() >= 2 && u.table.compare(u.table.size() - 2, 2, ".*") == 0;
  int tables = static_cast<int>(uncovered.size()) - missing;
  std::string out;
  if (tables > 0)
    out = std::to_string(tables) + " of " + std::to_string(tables_checked) + " table" + (tables_checked == 1 ? "" : "s") +
          " in " + join(schemas, ", ") + " " + (tables == 1 ? "is" : "are") + " not protected";
  if (missing > 0)
    out += (out.empty() ? "" : "; ") + std::to_string(missing) + " required schema" + (missing == 1 ? " does" : "s do") +
           " not exist";
  return out;
}

RlsCoverage verify_rls(Db& db, const Manifest& m) {
  RlsCoverage cov;
  cov.schemas = m.rls.require;
  cov.excluded = m.rls.exclude;
  try {
    auto txp = db.begin(TxKind::ReadOnly);
    Tx& tx = *txp;
    auto skip = rls_bookkeeping_tables(m);
    std::set<std::string> excluded(m.rls.exclude.begin(), m.rls.exclude.end());
    auto existing = tx.query("SELECT nspname FROM pg_namespace WHERE nspname = ANY ($1::text[])",
                             {to_pg_array(m.rls.require)});
    std::set<std::string> present;
    for (const auto& r : existing) present.insert(r[0].str());
    for (const auto& schema : m.rls.require)
      if (!present.count(schema)) cov.uncovered.push_back({schema + ".*", "schema does not exist"});
    auto rows = tx.query(
        "SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
        "FROM " + std::string(catalog::kTables) + " WHERE n.nspname = ANY ($1::text[]) AND " + catalog::kIsTable + " "
        "ORDER BY array_position($1::text[], n.nspname::text), c.relname",
        {to_pg_array(m.rls.require)});
    for (const auto& row : rows) {
      std::string table = row[0].str() + "." + row[1].str();
      if (skip.count(table) || excluded.count(table)) continue;
      ++cov.tables_checked;
      std::vector<std::string> why;
      if (!row[2].as_bool()) why.push_back("RLS not enabled");
      else if (m.rls.force && !row[3].as_bool()) why.push_back("RLS not forced");
      if (row[4].as_int() == 0) why.push_back("no policy");
      if (!why.empty()) cov.uncovered.push_back({table, join(why, ", ")});
    }
    for (const auto& row : tx.query("SELECT rolname FROM pg_roles WHERE rolcanlogin AND (rolbypassrls OR rolsuper) ORDER BY 1"))
      cov.bypass_roles.push_back(row[0].str());
    tx.commit();
    cov.checked = true;
  } catch (const std::exception& e) {
    cov.error = first_error_line(e.what());
  }
  return cov;
}

}  // namespace orch

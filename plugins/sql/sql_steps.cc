#include "sql/sql_steps.h"

#include <algorithm>
#include <cctype>

#include "db/db.h"
#include "sql/sql_ledger.h"

namespace orch {

const char* const kTxDurationSql = "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint";
const char* const kSessionDurationSql =
    "(extract(epoch FROM clock_timestamp() - current_setting('orchestrate.file_started')::timestamptz) * 1000)::bigint";

std::vector<std::string> prepare_steps(const ServiceSpec& s, const SqlApplyRules& rules, const QuoteFn& q) {
  std::vector<std::string> out = {"CREATE SCHEMA IF NOT EXISTS " + q(s.schema)};
  for (auto& st : rules.ledger->create_sql(s, q)) out.push_back(std::move(st));
  return out;
}

namespace {

std::string trimmed(std::string_view v) {
  while (!v.empty() && (std::isspace(static_cast<unsigned char>(v.front())) || v.front() == ';')) v.remove_prefix(1);
  while (!v.empty() && (std::isspace(static_cast<unsigned char>(v.back())) || v.back() == ';')) v.remove_suffix(1);
  return std::string(v);
}

}  // namespace

std::vector<std::string> ledger_statements(const SqlMigration& m) {
  std::vector<std::string> out;
  const std::string_view text = m.contents;
  size_t from = 0;
  for (const auto& st : split_sql(text)) {
    const size_t end = st.offset + st.text.size();
    if (std::string piece = trimmed(text.substr(from, end - from)); !piece.empty()) out.push_back(std::move(piece));
    from = end;
  }
  if (std::string tail = trimmed(text.substr(std::min(from, text.size()))); !tail.empty()) out.push_back(std::move(tail));
  return out;
}

FileSteps file_steps(const ServiceSpec& s, const SqlMigration& m, const SqlApplyRules& rules,
                     const std::string& applied_by, const QuoteFn& q) {
  FileSteps f;
  f.file = &m;
  f.transaction = !m.no_transaction;
  const std::string path = "search_path TO " + q(s.schema) + ", public";
  RecordFacts facts{f.transaction ? kTxDurationSql : kSessionDurationSql, applied_by, {}};
  if (rules.ledger->keeps_statements()) facts.statements = ledger_statements(m);
  if (f.transaction) {
    if (rules.search_path) f.setup.push_back("SET LOCAL " + path);
    SqlStatement whole;
    whole.text = m.contents;  // one message: the server parses it, and its error position maps to a line
    f.statements.push_back(std::move(whole));
  } else {
    if (rules.search_path) f.setup.push_back("SET " + path);
    f.setup.push_back("SELECT set_config('orchestrate.file_started', clock_timestamp()::text, false)");
    // CREATE INDEX CONCURRENTLY and friends refuse transactions, even the implicit one of a
    // multi-statement query: one statement at a time.
    f.statements = split_sql(m.contents);
    if (rules.search_path) f.teardown.push_back("RESET search_path");
  }
  f.ledger = rules.ledger->record(s, m, facts, q);
  return f;
}

namespace {

// Without a connection check, a statement keeps running after a killed orchestrate: to its end, and
// a transaction's COMMIT with it (racing the worker that takes the target over), or a rehearsal's
// pg_sleep holding its shadow database. PostgreSQL 14+ has the setting; older servers skip it (no
// row in pg_settings) instead of failing on an unknown name. $3 is whether it is local.
constexpr const char* kCheckConnection =
    "SELECT set_config(name, '1s', $3::bool) FROM pg_settings WHERE name = 'client_connection_check_interval'";

// The file's limits, for its transaction (local) or for its session (no-transaction files).
void set_limits(Tx& tx, const LockPolicy& locks, bool local) {
  auto ms = [](const std::optional<Millis>& d) { return d ? std::to_string(d->count()) + "ms" : std::string("0"); };
  tx.query("SELECT set_config('lock_timeout', $1, $3::bool), set_config('statement_timeout', $2, $3::bool), (" +
               std::string(kCheckConnection) + ")",
           {ms(locks.lock_timeout), ms(locks.statement_timeout), local ? "true" : "false"});
}

}  // namespace

namespace {

std::string limit_ms(const std::optional<Millis>& d) { return d ? std::to_string(d->count()) + "ms" : std::string("0"); }

// A transactional file as ONE simple-query message: BEGIN, its limits, setup, the file, its ledger
// row (values quoted by the connection), COMMIT. `lines_before` is how many lines precede the file's
// first, so the server's LINE n maps back to the file.
std::string one_message(const Db& db, const FileSteps& f, const LockPolicy& locks, int& lines_before) {
  std::string o = "BEGIN;\nSET LOCAL lock_timeout = " + db.quote_literal(limit_ms(locks.lock_timeout)) +
                  ";\nSET LOCAL statement_timeout = " + db.quote_literal(limit_ms(locks.statement_timeout)) + ";\n" +
                  // The message ends in COMMIT: see kCheckConnection.
                  "SELECT set_config(name, '1s', true) FROM pg_settings WHERE name = 'client_connection_check_interval';\n";
  for (const auto& st : f.setup) o += st + ";\n";
  lines_before = static_cast<int>(std::count(o.begin(), o.end(), '\n'));
  for (const auto& st : f.statements) o += st.text + "\n;\n";
  std::vector<std::string> literals;
  for (const auto& v : f.ledger.values) literals.push_back(db.quote_literal(v));
  return o + inline_parameters(f.ledger.sql, literals) + ";\nCOMMIT";
}

}  // namespace

void execute_steps(Db& db, const FileSteps& f, const LockPolicy& locks, size_t& next, int& line_base,
                   const BeforeCommit& before_commit) {
  if (f.transaction && !before_commit) {
    int lines_before = 0;
    const std::string message = one_message(db, f, locks, lines_before);
    line_base = 1 - lines_before;  // the server's LINE n is the message's
    auto session = db.begin(TxKind::Autocommit);
    try {
      session->exec(message);
    } catch (const DbError&) {
      // A failed statement leaves the session in the aborted transaction: end it before anything else.
      try {
        session->exec("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
    line_base = 1;
    return;
  }
  if (!f.transaction) {
    auto session = db.begin(TxKind::Autocommit);
    set_limits(*session, locks, false);
    for (const auto& st : f.setup) session->exec(st);
    for (; next < f.statements.size(); ++next) {
      line_base = f.statements[next].line;
      session->exec(f.statements[next].text);
    }
    for (const auto& st : f.teardown) session->exec(st);
    line_base = 1;
  }
  auto w = db.begin();
  set_limits(*w, locks, true);
  if (f.transaction) {
    for (const auto& st : f.setup) w->exec(st);
    for (const auto& st : f.statements) w->exec(st.text);
  }
  w->query(f.ledger.sql, Params(f.ledger.values.begin(), f.ledger.values.end()));
  if (before_commit) before_commit(*w, *f.file);
  w->commit();
}

std::string render_prepare(const std::vector<std::string>& prepare) {
  std::string o;
  for (const auto& st : prepare) o += st + ";\n";
  return o;
}

std::string render_steps(const FileSteps& f, const std::function<std::string(const std::string&)>& literal) {
  std::string o;
  if (f.transaction) o += "BEGIN;\n";
  for (const auto& st : f.setup) o += st + ";\n";
  for (const auto& st : f.statements) {
    o += st.text;
    if (!st.text.empty() && st.text.back() != '\n') o += "\n";
    o += ";\n";
  }
  // A no-transaction file's session is reset before its row is recorded in a transaction of its own.
  for (const auto& st : f.teardown) o += st + ";\n";
  std::vector<std::string> literals;
  for (const auto& v : f.ledger.values) literals.push_back(literal(v));
  o += inline_parameters(f.ledger.sql, literals) + ";\n";
  if (f.transaction) o += "COMMIT;\n";
  return o;
}

}  // namespace orch

#pragma once
// The one seam between orchestrate and PostgreSQL. Everything above orchestrator/db/ talks to a `Db`
// (one session) and its RAII `Tx`; only db/pq_db.cc knows libpqxx. Unit tests use FakeDb
// (tests/unit/fake_db.h) at this seam.
//
// Values travel as text, as the protocol sends them; parameters are never spliced into SQL (use $1..$N)
// and identifiers go through quote_name(). A failed statement throws DbError, whose what() is the
// server's message (first_error_line() and error_line() read it) and whose sqlstate() says what kind.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace orch {

// SQLSTATE 55P03, lock_not_available: a statement gave up waiting for a lock (lock_timeout, NOWAIT).
inline bool is_lock_timeout(const std::string& sqlstate) { return sqlstate == "55P03"; }

class DbError : public std::runtime_error {
 public:
  DbError(const std::string& what, std::string sqlstate) : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  // Five characters ("42P01", "55P03"), "08006" when the connection was lost, "" when unknown.
  const std::string& sqlstate() const { return sqlstate_; }
  bool connection_lost() const { return sqlstate_.rfind("08", 0) == 0; }
  bool lock_timeout() const { return is_lock_timeout(sqlstate_); }

 private:
  std::string sqlstate_;
};

// One value of a result row; NULL is distinct from the empty string.
class Field {
 public:
  Field() = default;
  explicit Field(std::optional<std::string> v) : v_(std::move(v)) {}
  bool is_null() const { return !v_; }
  const std::string& str() const;  // "" for NULL
  long long as_int() const;        // 0 for NULL
  bool as_bool() const;            // "t" is true
 private:
  std::optional<std::string> v_;
};

using Row = std::vector<Field>;
using Rows = std::vector<Row>;
// Query parameters, $1..$N; nullopt is NULL.
using Params = std::vector<std::optional<std::string>>;

// A transaction. Destroying it without commit() rolls it back.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Rows query(const std::string& sql, const Params& params = {}) = 0;
  // One or more statements without parameters (a migration file's contents).
  virtual void exec(const std::string& sql) = 0;
  virtual void commit() = 0;
  virtual std::string quote_name(const std::string& identifier) const = 0;
};

enum class TxKind {
  ReadWrite,   // BEGIN ... COMMIT
  ReadOnly,    // BEGIN READ ONLY
  Autocommit,  // each statement on its own (CREATE INDEX CONCURRENTLY, advisory locks)
};

class Db {
 public:
  virtual ~Db() = default;
  // One transaction at a time per session.
  virtual std::unique_ptr<Tx> begin(TxKind kind = TxKind::ReadWrite) = 0;
  virtual std::string quote_name(const std::string& identifier) const = 0;
  // A value as a string literal the way this connection quotes it (libpq's PQescapeLiteral), for a
  // message that must hold its values (a file and its ledger row in one round trip). Fakes get the
  // standard-conforming form.
  virtual std::string quote_literal(const std::string& value) const;
  // Asks the server to cancel the statement now running; safe from another thread.
  virtual void cancel() = 0;
  // The TCP port of our end of the connection; nullopt for a Unix socket (or a fake).
  virtual std::optional<int> local_port() const { return std::nullopt; }

  // Shorthands for one statement in a transaction of its own.
  Rows query(const std::string& sql, const Params& params = {}, TxKind kind = TxKind::Autocommit);
  std::string scalar(const std::string& sql, const Params& params = {}, TxKind kind = TxKind::Autocommit);
};

// Connects with application_name and a connect timeout (see with_connection_params). Throws DbError.
std::unique_ptr<Db> connect_db(const std::string& url, const std::string& application_name);

}  // namespace orch

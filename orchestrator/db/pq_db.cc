// The Db interface over libpqxx 6.4: the only file that turns orchestrate's calls into libpqxx calls,
// and libpqxx's exceptions into DbError.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <pqxx/pqxx>

#include <mutex>

#include "db/database.h"
#include "db/db.h"
#include "util/secrets.h"

namespace orch {

namespace {

// Runs f, turning libpqxx's exceptions into DbError with the server's message and SQLSTATE.
template <typename F>
auto translated(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const pqxx::sql_error& e) {
    throw DbError(e.what(), e.sqlstate());
  } catch (const pqxx::broken_connection& e) {
    throw DbError(e.what(), "08006");
  } catch (const pqxx::in_doubt_error& e) {
    throw DbError(e.what(), "08007");
  } catch (const pqxx::failure& e) {
    // libpqxx's own wording when the connection went away mid-call.
    std::string what = e.what();
    bool lost = what.find("not connected") != std::string::npos || what.find("connection") != std::string::npos;
    throw DbError(what, lost ? "08006" : "");
  }
}

Rows to_rows(const pqxx::result& r) {
  Rows out;
  out.reserve(r.size());
  for (const auto& row : r) {
    Row values;
    values.reserve(row.size());
    for (const auto& f : row) values.emplace_back(f.is_null() ? std::nullopt : std::optional<std::string>(f.c_str()));
    out.push_back(std::move(values));
  }
  return out;
}

template <typename T>
class PqTx : public Tx {
 public:
  explicit PqTx(pqxx::connection& c) : tx_(translated([&] { return std::make_unique<T>(c); })) {}
  Rows query(const std::string& sql, const Params& params) override {
    return translated([&] {
      if (params.empty()) return to_rows(tx_->exec(sql));
      std::vector<const char*> p;
      p.reserve(params.size());
      for (const auto& v : params) p.push_back(v ? v->c_str() : nullptr);
      return to_rows(tx_->exec_params(sql, pqxx::prepare::make_dynamic_params(p)));
    });
  }
  void exec(const std::string& sql) override {
    translated([&] { tx_->exec(sql); });
  }
  void commit() override {
    translated([&] { tx_->commit(); });
  }
  std::string quote_name(const std::string& identifier) const override { return tx_->quote_name(identifier); }

 private:
  std::unique_ptr<T> tx_;
};

class PqDb : public Db {
 public:
  explicit PqDb(const std::string& conninfo)
      : conn_(translated([&] { return std::make_unique<pqxx::connection>(conninfo); })) {}
  std::unique_ptr<Tx> begin(TxKind kind) override {
    switch (kind) {
      case TxKind::ReadOnly: return std::make_unique<PqTx<pqxx::read_transaction>>(*conn_);
      case TxKind::Autocommit: return std::make_unique<PqTx<pqxx::nontransaction>>(*conn_);
      case TxKind::ReadWrite: break;
    }
    return std::make_unique<PqTx<pqxx::work>>(*conn_);
  }
  std::string quote_name(const std::string& identifier) const override { return conn_->quote_name(identifier); }
  std::string quote_literal(const std::string& value) const override { return conn_->quote(value); }
  void cancel() override {
    try {
      conn_->cancel_query();
    } catch (...) {
      // Nothing running, or the connection is gone: either way nothing is left to cancel.
    }
  }
  std::optional<int> local_port() const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(conn_->sock(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return std::nullopt;
    if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    return std::nullopt;
  }

 private:
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace

// Every URL connected to is registered as a secret (a rollout state database, a [targets_from] row),
// and so are the passwords libpq takes from PGPASSWORD and the password file. libpq's connection errors
// quote what they could not parse, a piece of a password included: those quotes are masked.
std::unique_ptr<Db> connect_db(const std::string& url, const std::string& application_name) {
  secrets::remember_url(url);
  secrets::remember_libpq_environment();
  try {
    return std::make_unique<PqDb>(with_connection_params(url, application_name));
  } catch (const DbError& e) {
    throw DbError(secrets::scrub_quoted_fragments(e.what()), e.sqlstate());
  }
}

}  // namespace orch

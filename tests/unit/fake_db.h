#pragma once
// A Db for unit tests: answers queries from a script (the first rule whose SQL fragment matches), and
// records every statement with its parameters, so tests can say what was asked and in what order.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "db/db.h"

namespace orch::testing {

struct Executed {
  std::string sql;
  Params params;
};

class FakeDb : public Db {
 public:
  // `answer` is called for a query containing `fragment`; it may throw DbError.
  void on(std::string fragment, std::function<Rows(const Params&)> answer) {
    rules_.push_back({std::move(fragment), std::move(answer)});
  }
  void on(std::string fragment, Rows rows) {
    on(std::move(fragment), [rows](const Params&) { return rows; });
  }
  // Statements executed so far, in order.
  std::vector<Executed> log;
  int count(const std::string& fragment) const {
    int n = 0;
    for (const auto& e : log) n += e.sql.find(fragment) != std::string::npos;
    return n;
  }

  std::unique_ptr<Tx> begin(TxKind) override { return std::make_unique<FakeTx>(*this); }
  std::string quote_name(const std::string& s) const override { return "\"" + s + "\""; }
  void cancel() override {}

  static Rows rows(std::initializer_list<std::initializer_list<const char*>> values) {
    Rows out;
    for (const auto& r : values) {
      Row row;
      for (const char* v : r) row.emplace_back(v ? std::optional<std::string>(v) : std::nullopt);
      out.push_back(row);
    }
    return out;
  }

 private:
  struct Rule {
    std::string fragment;
    std::function<Rows(const Params&)> answer;
  };
  Rows answer(const std::string& sql, const Params& params) {
    log.push_back({sql, params});
    for (const auto& r : rules_)
      if (sql.find(r.fragment) != std::string::npos) return r.answer(params);
    return {};
  }
  class FakeTx : public Tx {
   public:
    explicit FakeTx(FakeDb& db) : db_(db) {}
    Rows query(const std::string& sql, const Params& params) override { return db_.answer(sql, params); }
    void exec(const std::string& sql) override { db_.answer(sql, {}); }
    void commit() override { db_.log.push_back({"COMMIT", {}}); }
    std::string quote_name(const std::string& s) const override { return db_.quote_name(s); }

   private:
    FakeDb& db_;
  };
  std::vector<Rule> rules_;
};

}  // namespace orch::testing

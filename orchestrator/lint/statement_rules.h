#pragma once
// The rules themselves: one parsed statement in, the rules it breaks out. Pure; what the run and the
// database know comes through StatementFacts, which the Linter implements.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace orch {

struct RuleHit {
  std::string rule;
  std::string message;
  std::string hint;
};

class StatementFacts {
 public:
  virtual ~StatementFacts() = default;
  virtual const std::string& default_schema() const = 0;
  virtual bool in_transaction() const = 0;
  // Created earlier in this run (or absent from the database, so something in this run creates it):
  // it is empty and nothing uses it yet, so rules about locking or breaking it are moot.
  virtual bool is_new(const std::string& schema, const std::string& table) = 0;
  // " (~1.2M rows, 380 MB)" when the database says, else "".
  virtual std::string size_note(const std::string& schema, const std::string& table) = 0;
  // A validated CHECK (col IS NOT NULL) exists, in the database or added and validated earlier this run.
  virtual bool not_null_proven(const std::string& schema, const std::string& table, const std::string& column) = 0;
  // 'v', 's', 'i', or 0 when unknown.
  virtual char volatility(const std::string& function) = 0;

  // What a statement did that later statements of the run depend on.
  virtual void note_created(const std::string& schema, const std::string& table) = 0;
  virtual void note_not_null_check(const std::string& schema, const std::string& table, const std::string& constraint,
                                   const std::string& column, bool validated) = 0;
  virtual void note_validated(const std::string& schema, const std::string& table, const std::string& constraint) = 0;
};

std::vector<RuleHit> check_statement(const nlohmann::json& stmt, StatementFacts& facts);

// "schema.table" of a RangeVar ({"schemaname", "relname"}), the schema defaulting to `schema`.
std::pair<std::string, std::string> relation_name(const nlohmann::json& range_var, const std::string& schema);

}  // namespace orch

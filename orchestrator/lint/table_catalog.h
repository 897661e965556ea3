#pragma once
// What the database knows that text alone cannot say, for the linter: how big a table is, whether it
// exists yet, which columns a validated CHECK already proves NOT NULL, how volatile a function is.
// Without a database every answer is "unknown" and the linter reads the text alone, as squawk does.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orch {

class Db;

struct TableFacts {
  bool exists = false;
  double rows = -1;        // pg_class.reltuples: an estimate; -1 when never analysed
  long long bytes = 0;     // pg_total_relation_size
  std::vector<std::string> not_null_checked;  // columns with a validated CHECK (col IS NOT NULL)
};

class TableCatalog {
 public:
  virtual ~TableCatalog() = default;
  // nullopt: unknown (no database).
  virtual std::optional<TableFacts> table(const std::string& schema, const std::string& name) = 0;
  // 'v' volatile, 's' stable, 'i' immutable (the most volatile overload), 0 when unknown.
  virtual char function_volatility(const std::string& name) = 0;
};

// Reads the catalogue on one session, each table and function once.
class DbTableCatalog : public TableCatalog {
 public:
  explicit DbTableCatalog(Db& db) : db_(db) {}
  std::optional<TableFacts> table(const std::string& schema, const std::string& name) override;
  char function_volatility(const std::string& name) override;

 private:
  Db& db_;
  std::map<std::string, TableFacts> tables_;
  std::map<std::string, char> functions_;
};

// "~1.2M rows, 380 MB", "never analysed, 16 kB".
std::string describe_size(const TableFacts& t);

}  // namespace orch

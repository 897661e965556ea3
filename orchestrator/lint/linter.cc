#include "lint/linter.h"

#include <regex>

#include "db/db.h"
#include "lint/statement_rules.h"
#include "util/sql_split.h"

namespace orch {

std::multimap<int, AllowComment> allow_comments(const std::string& sql) {
  std::multimap<int, AllowComment> out;
  if (sql.find("orchestrate:allow") == std::string::npos) return out;
  static const std::regex comment(R"(--\s*orchestrate:allow\s+([A-Za-z0-9_-]+)[ \t]*([^\r\n]*?)\s*$)");
  int line = 1;
  size_t start = 0;
  while (start < sql.size()) {
    size_t end = sql.find('\n', start);
    if (end == std::string::npos) end = sql.size();
    std::smatch m;
    const std::string text = sql.substr(start, end - start);
    if (std::regex_search(text, m, comment)) {
      bool own_line = text.find_first_not_of(" \t") == static_cast<size_t>(m.position(0));
      out.emplace(line, AllowComment{m[1].str(), m[2].str(), own_line});
    }
    ++line;
    start = end + 1;
  }
  return out;
}

// The run as the rules see it: the script's schema and transaction, the catalogue, and what earlier
// statements of the run created or proved.
class RunFacts : public StatementFacts {
 public:
  RunFacts(Linter& l, const LintSource& src) : l_(l), schema_(src.schema), in_tx_(src.in_transaction) {}
  const std::string& default_schema() const override { return schema_; }
  bool in_transaction() const override { return in_tx_; }
  void set_in_transaction(bool v) { in_tx_ = v; }

  bool is_new(const std::string& schema, const std::string& table) override {
    if (l_.created_.count(schema + "." + table)) return true;
    auto t = facts(schema, table);
    return t && !t->exists;
  }
  std::string size_note(const std::string& schema, const std::string& table) override {
    auto t = facts(schema, table);
    return t && t->exists ? " (" + describe_size(*t) + ")" : "";
  }
  bool not_null_proven(const std::string& schema, const std::string& table, const std::string& column) override {
    if (l_.proven_.count(schema + "." + table + "." + column)) return true;
    auto t = facts(schema, table);
    return t && std::find(t->not_null_checked.begin(), t->not_null_checked.end(), column) != t->not_null_checked.end();
  }
  char volatility(const std::string& function) override {
    if (!l_.catalog_) return 0;
    try {
      return l_.catalog_->function_volatility(function);
    } catch (const DbError&) {
      return 0;
    }
  }
  void note_created(const std::string& schema, const std::string& table) override { l_.created_.insert(schema + "." + table); }
  void note_not_null_check(const std::string& schema, const std::string& table, const std::string& constraint,
                           const std::string& column, bool validated) override {
    l_.checks_[schema + "." + table + "." + constraint] = column;
    if (validated) l_.proven_.insert(schema + "." + table + "." + column);
  }
  void note_validated(const std::string& schema, const std::string& table, const std::string& constraint) override {
    auto it = l_.checks_.find(schema + "." + table + "." + constraint);
    if (it != l_.checks_.end()) l_.proven_.insert(schema + "." + table + "." + it->second);
  }

 private:
  std::optional<TableFacts> facts(const std::string& schema, const std::string& table) {
    if (!l_.catalog_) return std::nullopt;
    try {
      return l_.catalog_->table(schema, table);
    } catch (const DbError&) {
      return std::nullopt;  // a catalogue we cannot read is one we do not know
    }
  }

  Linter& l_;
  std::string schema_;
  bool in_tx_;
};

Result<std::vector<LintFinding>> Linter::lint(const LintSource& src) {
  const auto allows = allow_comments(src.sql);
  RunFacts facts(*this, src);
  std::vector<LintFinding> out;
  // One statement at a time as the parser hands them out: a large seed file's trees are never all in memory.
  auto parsed = for_each_statement(src.sql, true, [&](const ParsedStatement& st) {
    if (st.node == "TransactionStmt") {
      const std::string kind = st.tree["TransactionStmt"].value("kind", "");
      if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") facts.set_in_transaction(true);
      if (kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_ROLLBACK") facts.set_in_transaction(false);
      return;
    }
    const int last_line = st.end_line;
    for (auto& hit : check_statement(st.tree, facts)) {
      if (policy_.allows(hit.rule)) continue;
      LintFinding f{hit.rule, src.service, src.locate ? src.locate(st.line) : src.file + ":" + std::to_string(st.line),
                    std::move(hit.message), std::move(hit.hint)};
      for (auto it = allows.lower_bound(st.line - 1); it != allows.end() && it->first <= last_line; ++it)
        if (it->second.rule == f.rule && (it->first >= st.line || it->second.own_line))
          f.allowed = true, f.reason = it->second.reason;
      out.push_back(std::move(f));
    }
  });
  if (!parsed) return parsed.error();
  return out;
}

}  // namespace orch

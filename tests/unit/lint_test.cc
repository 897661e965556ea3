// The migration linter on PostgreSQL's parse tree: each rule fires on its pattern and stays quiet on
// the safe one; a table created earlier in the run is new; the catalogue's facts (existence, size,
// validated CHECKs, volatility) change the verdict; comments and [lint] allow/deny.
#include <gtest/gtest.h>

#include "lint/linter.h"
#include "lint/table_catalog.h"

namespace orch {
namespace {

class FakeCatalog : public TableCatalog {
 public:
  std::map<std::string, TableFacts> tables;
  std::map<std::string, char> functions;
  std::optional<TableFacts> table(const std::string& schema, const std::string& name) override {
    auto it = tables.find(schema + "." + name);
    return it == tables.end() ? TableFacts{} : it->second;
  }
  char function_volatility(const std::string& name) override {
    auto it = functions.find(name);
    return it == functions.end() ? 0 : it->second;
  }
};

std::vector<LintFinding> lint(const std::string& sql, TableCatalog* catalog = nullptr, LintPolicy policy = {},
                              bool in_transaction = true) {
  Linter l(policy, catalog);
  auto r = l.lint({"svc", "svc/0001.sql", sql, in_transaction, "app", {}});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().text());
  return r.ok() ? *r : std::vector<LintFinding>{};
}

std::vector<std::string> rules(const std::vector<LintFinding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.rule);
  return out;
}

using Rules = std::vector<std::string>;

TEST(Lint, EachRuleFiresOnItsPattern) {
  EXPECT_EQ(rules(lint("CREATE INDEX i ON t (a)")), Rules{"require-concurrent-index-creation"});
  EXPECT_EQ(rules(lint("CREATE INDEX CONCURRENTLY i ON t (a)")), Rules{"ban-concurrent-index-creation-in-transaction"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)")), Rules{"constraint-missing-not-valid"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)")), Rules{"constraint-missing-not-valid"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ADD COLUMN b uuid DEFAULT gen_random_uuid()")), Rules{"adding-field-with-default"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ADD COLUMN b bigserial")), Rules{"adding-field-with-default"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ALTER COLUMN a SET NOT NULL")), Rules{"adding-not-nullable-field"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ADD COLUMN b int NOT NULL")), Rules{"adding-required-field"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ALTER COLUMN a TYPE bigint")), Rules{"changing-column-type"});
  EXPECT_EQ(rules(lint("ALTER TABLE t RENAME COLUMN a TO b")), Rules{"renaming-column"});
  EXPECT_EQ(rules(lint("ALTER TABLE t RENAME TO u")), Rules{"renaming-table"});
  EXPECT_EQ(rules(lint("ALTER TABLE t DROP COLUMN a")), Rules{"ban-drop-column"});
  EXPECT_EQ(rules(lint("DROP TABLE t")), Rules{"ban-drop-table"});
  EXPECT_EQ(rules(lint("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)")), Rules{"disallowed-unique-constraint"});
}

TEST(Lint, SafePatternsAreQuiet) {
  EXPECT_TRUE(lint("CREATE INDEX CONCURRENTLY i ON t (a)", nullptr, {}, false).empty());
  EXPECT_TRUE(lint("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID").empty());
  EXPECT_TRUE(lint("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT c").empty());
  EXPECT_TRUE(lint("ALTER TABLE t ADD COLUMN b timestamptz DEFAULT now()").empty());
  EXPECT_TRUE(lint("ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0").empty());
  EXPECT_TRUE(lint("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i").empty());
  // SET NOT NULL after a validated CHECK (a IS NOT NULL) in the same run skips the scan.
  EXPECT_TRUE(lint("ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;\n"
                   "ALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t ALTER COLUMN a SET NOT NULL")
                  .empty());
  // A function body's statements are not the migration's.
  EXPECT_TRUE(lint("CREATE FUNCTION f() RETURNS void LANGUAGE sql BEGIN ATOMIC SELECT 1; END").empty());
}

TEST(Lint, TablesCreatedEarlierInTheRunAreNew) {
  Linter l({}, nullptr);
  auto first = l.lint({"svc", "svc/0001.sql", "CREATE TABLE app.t (a int)", true, "app", {}});
  ASSERT_TRUE(first.ok());
  auto second = l.lint({"svc", "svc/0002.sql", "CREATE INDEX i ON t (a); ALTER TABLE t ADD COLUMN b int NOT NULL;"
                                               "ALTER TABLE t RENAME TO u; CREATE INDEX j ON u (a); DROP TABLE u",
                        true, "app", {}});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->empty()) << second->front().rule;
  // Another schema's table of the same name is not new.
  EXPECT_EQ(rules(lint("CREATE TABLE app.t (a int); CREATE INDEX i ON other.t (a)")), Rules{"require-concurrent-index-creation"});
}

TEST(Lint, TheCatalogueAddsSizesAndKnowsWhatExists) {
  FakeCatalog db;
  db.tables["app.big"] = TableFacts{true, 1.2e6, 380LL * 1024 * 1024, {"checked"}};
  auto f = lint("CREATE INDEX i ON big (a)", &db);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].where, "svc/0001.sql:1");
  EXPECT_NE(f[0].message.find("app.big (~1.2M rows, 380 MB) without CONCURRENTLY"), std::string::npos) << f[0].message;
  // A table the database does not have yet is created by this run: nothing to lock.
  EXPECT_TRUE(lint("CREATE INDEX i ON absent (a)", &db).empty());
  // A validated CHECK (checked IS NOT NULL) in the database makes SET NOT NULL cheap.
  EXPECT_TRUE(lint("ALTER TABLE big ALTER COLUMN checked SET NOT NULL", &db).empty());
  EXPECT_EQ(rules(lint("ALTER TABLE big ALTER COLUMN other SET NOT NULL", &db)), Rules{"adding-not-nullable-field"});
  // Volatility comes from pg_proc when there is one.
  db.functions["my_stable"] = 's';
  db.functions["my_volatile"] = 'v';
  EXPECT_TRUE(lint("ALTER TABLE big ADD COLUMN b int DEFAULT my_stable()", &db).empty());
  EXPECT_EQ(rules(lint("ALTER TABLE big ADD COLUMN b int DEFAULT my_volatile()", &db)), Rules{"adding-field-with-default"});
}

TEST(Lint, TransactionsInTheTextMoveInAndOut) {
  // Alembic's offline SQL: outside a transaction until BEGIN.
  EXPECT_TRUE(lint("CREATE INDEX CONCURRENTLY i ON t (a)", nullptr, {}, false).empty());
  EXPECT_EQ(rules(lint("BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); COMMIT;", nullptr, {}, false)),
            Rules{"ban-concurrent-index-creation-in-transaction"});
  EXPECT_TRUE(lint("BEGIN; COMMIT; CREATE INDEX CONCURRENTLY i ON t (a)", nullptr, {}, false).empty());
}

TEST(Lint, CommentsAllowOneStatementWithAReason) {
  auto f = lint("-- orchestrate:allow ban-drop-column the app stopped reading it in v41\n"
                "ALTER TABLE t DROP COLUMN a;\n"
                "ALTER TABLE t DROP COLUMN b;\n");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_TRUE(f[0].allowed);
  EXPECT_EQ(f[0].reason, "the app stopped reading it in v41");
  EXPECT_FALSE(f[1].allowed);  // the comment covers the next statement only
  // On the statement's own line; another rule's comment allows nothing.
  auto same_line = lint("DROP TABLE t; -- orchestrate:allow ban-drop-table retired\nDROP TABLE u; -- orchestrate:allow ban-drop-column x");
  ASSERT_EQ(same_line.size(), 2u);
  EXPECT_TRUE(same_line[0].allowed);
  EXPECT_FALSE(same_line[1].allowed);
}

TEST(Lint, PolicyAllowsAndDenies) {
  LintPolicy p;
  p.allow = {"ban-drop-table"};
  EXPECT_TRUE(lint("DROP TABLE t", nullptr, p).empty());
  p.deny = {"renaming-column"};
  EXPECT_TRUE(p.is_error("renaming-column"));
  EXPECT_FALSE(p.is_error("ban-drop-column"));
  EXPECT_TRUE(p.is_error("ban-concurrent-index-creation-in-transaction"));  // it cannot work
}

TEST(Lint, AScriptThatDoesNotParseIsAnErrorWithItsPosition) {
  Linter l({}, nullptr);
  auto r = l.lint({"svc", "svc/0001.sql", "SELECT 1;\nCREATE TABEL t (a int);", true, "app", {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "2:8");
}

TEST(Lint, SizesReadLikePeopleWriteThem) {
  EXPECT_EQ(describe_size({true, 1.2e6, 380LL * 1024 * 1024, {}}), "~1.2M rows, 380 MB");
  EXPECT_EQ(describe_size({true, 12345, 16384, {}}), "~12k rows, 16 kB");
  EXPECT_EQ(describe_size({true, -1, 8192, {}}), "never analysed, 8192 bytes");
}

}  // namespace
}  // namespace orch

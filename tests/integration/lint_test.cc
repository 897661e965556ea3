// The migration linter against a real database and real Alembic: sizes from the catalogue, a table
// created earlier in the run, [lint] deny refusing `up` before anything changes, a comment allowing
// one statement, check's JSON, plan's findings, and Alembic's offline SQL pointing at the revision.
#include <nlohmann/json.hpp>

#include "harness.h"

using namespace itest;

namespace {

std::string manifest(const std::string& extra) {
  return "[project]\nname = \"lint\"\ndatabase = \"env:DATABASE_URL\"\n\n[services.orders]\nschema = \"orders\"\n"
         "runner = \"sql\"\npath = \"orders\"\n" + extra;
}

// orders.orders with 50,000 rows and fresh statistics, as applied by 0001.
void applied_orders(const TestDatabase& db, const TempDir& dir) {
  dir.write("orders/0001_create.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint);\n"
                                      "CREATE INDEX orders_id2 ON orders (id);  -- a new table: nothing to block\n");
  dir.write("services.toml", manifest(""));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  db.exec("INSERT INTO orders.orders SELECT g, g % 100 FROM generate_series(1, 50000) g");
  db.exec("ANALYZE orders.orders");
}

}  // namespace

TEST(LintOnDatabase, CheckNamesTheTableSizeAndDenyRefusesUpBeforeAnythingChanges) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lint-deny");
  applied_orders(db, dir);
  dir.write("orders/0002_index.sql", "CREATE TABLE notes (id int);\nCREATE INDEX notes_id ON notes (id);\n"
                                     "CREATE INDEX orders_customer ON orders (customer);\n");
  auto check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 0) << check.output;  // warnings only
  EXPECT_NE(check.output.find("orders/0002_index.sql:3: CREATE INDEX on orders.orders (~50k rows,"), std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("[require-concurrent-index-creation]"), std::string::npos);
  EXPECT_EQ(count_of(check.output, "require-concurrent-index-creation]"), 1) << check.output;  // notes is new
  EXPECT_NE(check.output.find("require-lock-timeout is satisfied by orchestrate"), std::string::npos);

  dir.write("services.toml", manifest("\n[lint]\ndeny = [\"require-concurrent-index-creation\"]\n"));
  check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 3) << check.output;
  auto up = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(up.code, 3) << up.output;
  EXPECT_NE(up.output.find("nothing was changed"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("-- orchestrate:allow require-concurrent-index-creation <reason>"), std::string::npos)
      << up.output;
  EXPECT_FALSE(db.table_exists("orders.notes"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orders.orchestrate_migrations"), "1");

  // One comment allows the statement; check shows the reason and up applies it.
  dir.write("orders/0002_index.sql", "CREATE TABLE notes (id int);\n"
                                     "-- orchestrate:allow require-concurrent-index-creation built at night, 50k rows\n"
                                     "CREATE INDEX orders_customer ON orders (customer);\n");
  check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_NE(check.output.find("allowed: built at night, 50k rows"), std::string::npos) << check.output;
  up = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(up.code, 0) << up.output;
  EXPECT_TRUE(db.table_exists("orders.notes"));
}

TEST(LintOnDatabase, CheckJsonCarriesRuleIdsAndPlanPrintsFindingsBesideTheSql) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lint-json");
  applied_orders(db, dir);
  dir.write("orders/0002_drop.sql", "ALTER TABLE orders DROP COLUMN customer;\n");
  auto check = run_orchestrate({"check", "--format", "json"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(check.code, 0) << check.output;
  auto doc = nlohmann::json::parse(check.output);
  bool found = false;
  for (const auto& f : doc["findings"])
    if (f["rule"] == "ban-drop-column") {
      found = true;
      EXPECT_EQ(f["severity"], "warning");
      EXPECT_EQ(f["where"], "orders/0002_drop.sql:1");
      EXPECT_EQ(f["service"], "orders");
    }
  EXPECT_TRUE(found) << check.output;
  auto plan = run_orchestrate({"plan", "--sql"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(plan.code, 0) << plan.output;
  size_t sql = plan.output.find("DROP COLUMN customer"), lint = plan.output.find("-- lint warning orders/0002_drop.sql:1");
  EXPECT_NE(lint, std::string::npos) << plan.output;
  EXPECT_LT(sql, lint);
  auto text = run_orchestrate({"plan"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(text.output.find("lint warning orders/0002_drop.sql:1: DROP COLUMN customer"), std::string::npos)
      << text.output;
}

TEST(LintOnDatabase, AlembicIsLintedThroughItsOfflineSqlAndPointsAtTheRevision) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("lint-alembic");
  const fs::path users = source_dir() / "examples" / "mindmirror" / "users";
  fs::copy(users, dir.path() / "users", fs::copy_options::recursive);
  fs::copy(users.parent_path() / "common", dir.path() / "common", fs::copy_options::recursive);
  dir.write("services.toml", "[project]\nname = \"lintalembic\"\ndatabase = \"env:DATABASE_URL\"\n"
                             "[runners.alembic]\ncommand = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n"
                             "[services.users]\nschema = \"users\"\nrunner = \"alembic\"\npath = \"users\"\n");
  auto up = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(up.code, 0) << up.output;
  dir.write("users/migrations/versions/d00d_index_timezone.py",
            "revision = 'd00d_tz_idx'\ndown_revision = 'c2e8a4f6b913'\nbranch_labels = None\ndepends_on = None\n"
            "from alembic import op\n\n"
            "def upgrade():\n    op.create_index('profiles_tz', 'profiles', ['timezone'], schema='users')\n\n"
            "def downgrade():\n    op.drop_index('profiles_tz', schema='users')\n");
  auto check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_NE(check.output.find("users/migrations/versions/d00d_index_timezone.py (revision d00d_tz_idx, offline SQL line"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("CREATE INDEX on users.profiles (never analysed, "), std::string::npos) << check.output;
  // Denied, `up` produces the offline SQL too and refuses.
  dir.write("services.toml", read_all(dir.path() / "services.toml") + "[lint]\ndeny = [\"require-concurrent-index-creation\"]\n");
  up = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(up.code, 3) << up.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM users.alembic_version"), "c2e8a4f6b913");
}

TEST(LintOnDatabase, AnUnknownRuleInTheManifestIsAnErrorAtItsPosition) {
  TempDir dir("lint-unknown");
  dir.write("orders/0001_a.sql", "SELECT 1;\n");
  dir.write("services.toml", manifest("\n[lint]\nallow = [\"ban-drop-colum\"]\n"));
  auto r = run_orchestrate({"check", "--offline"}, {}, dir.path());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("services.toml:11:10: error: unknown lint rule \"ban-drop-colum\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean \"ban-drop-column\"?"), std::string::npos) << r.output;
}

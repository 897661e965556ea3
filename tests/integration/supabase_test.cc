// The `supabase` kind: Supabase CLI migrations (supabase/migrations/<timestamp>_<name>.sql) applied by
// orchestrate and recorded in supabase_migrations.schema_migrations as the CLI records them. The tests
// read the history with the query `supabase migration list` runs (the CLI's pkg/migration/history.go,
// LIST_MIGRATION_VERSION) and the columns `db push` writes; when the real CLI is there
// ($ORCHESTRATE_SUPABASE_CLI, or `supabase` on PATH: `npm install supabase`), its `migration list` must
// show every file as applied too.
#include "harness.h"

using namespace itest;

namespace {

const std::string kPsql = "/usr/lib/postgresql/15/bin/psql";
const std::string kMigrationList = "SELECT string_agg(version, ',' ORDER BY version) FROM supabase_migrations.schema_migrations";

RunResult orch(const TestDatabase& db, std::vector<std::string> args, const TempDir& dir) {
  return run_orchestrate(std::move(args), {{"DATABASE_URL", db.url()}}, dir.path());
}

std::string manifest(const std::string& more = "") {
  return "[project]\nname = \"supa\"\ndatabase = \"env:DATABASE_URL\"\n\n[services.app]\nschema = \"app\"\n"
         "runner = \"supabase\"\npath = \"supabase/migrations\"\n" + more;
}

// Two CLI migrations: a table in `app`, then a function whose body holds semicolons and "$1".
void write_project(const TempDir& dir, const std::string& more = "") {
  dir.write("services.toml", manifest(more));
  dir.write("supabase/migrations/20240101120000_create_notes.sql",
            "-- notes\ncreate schema if not exists app;\ncreate table app.notes (id bigint primary key, body text);\n");
  dir.write("supabase/migrations/20240102093000_note_count.sql",
            "create function app.note_count(min_id bigint) returns bigint language sql as $$\n"
            "  select count(*) from app.notes where id >= $1;\n$$;\n");
}

std::string schema_only(const TestDatabase& db, const TempDir& dir) {
  const fs::path out = dir.path() / ("dump-" + db.name() + ".sql");
  const std::string cmd = "/usr/lib/postgresql/15/bin/pg_dump --schema-only --no-owner --exclude-schema=orchestrate '" +
                          db.url() + "' 2>&1 | grep -v '^\\\\\\(un\\)\\?restrict ' >" + out.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return read_all(out);
}

// The Supabase CLI's binary, or "" when it is not installed.
std::string supabase_cli() {
  if (const char* p = std::getenv("ORCHESTRATE_SUPABASE_CLI"); p && *p) return p;
  auto r = run_shell("command -v supabase", {}, fs::temp_directory_path());
  return r.code == 0 ? r.output.substr(0, r.output.find('\n')) : "";
}

}  // namespace

TEST(Supabase, TheRealCliListsWhatUpApplied) {
  REQUIRE_DATABASE();
  const std::string cli = supabase_cli();
  if (cli.empty()) GTEST_SKIP() << "the Supabase CLI is not installed (npm install supabase; ORCHESTRATE_SUPABASE_CLI=path)";
  TestDatabase db;
  TempDir dir("supa-cli");
  write_project(dir);
  ASSERT_EQ(orch(db, {"up"}, dir).code, 0);
  auto list = run_shell("'" + cli + "' migration list --remote='" + db.url() + "' 2>&1", {}, dir.path());
  ASSERT_EQ(list.code, 0) << list.output;
  for (const std::string v : {"20240101120000", "20240102093000"})
    EXPECT_NE(list.output.find("`" + v + "` | `" + v + "`"), std::string::npos) << v << " not applied:\n" << list.output;
}

TEST(Supabase, UpRecordsEachFileAsTheCliDoesAndStatusAgrees) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("supa-up");
  write_project(dir);
  auto r = orch(db, {"up"}, dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar(kMigrationList), "20240101120000,20240102093000");
  EXPECT_EQ(db.scalar("SELECT name FROM supabase_migrations.schema_migrations WHERE version = '20240102093000'"),
            "note_count");
  // statements: the file's, split as the CLI splits them (comments kept, no semicolon).
  EXPECT_EQ(db.scalar("SELECT statements[1] FROM supabase_migrations.schema_migrations WHERE version = '20240101120000'"),
            "-- notes\ncreate schema if not exists app");
  EXPECT_EQ(db.scalar("SELECT array_length(statements, 1) FROM supabase_migrations.schema_migrations "
                      "WHERE version = '20240102093000'"),
            "1");
  EXPECT_EQ(db.scalar("SELECT app.note_count(0)"), "0");
  auto st = orch(db, {"status"}, dir);
  EXPECT_EQ(st.code, 0) << st.output;
  EXPECT_NE(st.output.find("20240102093000"), std::string::npos) << st.output;
  // A second up has nothing to do.
  dir.write("supabase/migrations/20240103000000_more.sql", "alter table app.notes add column tag text;\n");
  auto pending = orch(db, {"status"}, dir);
  EXPECT_NE(pending.output.find("pending"), std::string::npos) << pending.output;
  ASSERT_EQ(orch(db, {"up"}, dir).code, 0);
  EXPECT_EQ(db.scalar(kMigrationList), "20240101120000,20240102093000,20240103000000");
}

TEST(Supabase, PlanSqlAppliedWithPsqlLeavesWhatUpLeaves) {
  REQUIRE_DATABASE();
  TestDatabase applied, migrated;
  TempDir dir("supa-plan");
  write_project(dir);
  auto plan = orch(applied, {"plan", "--sql"}, dir);
  ASSERT_EQ(plan.code, 0) << plan.output;
  const auto file = dir.write("plan.sql", plan.output);
  const std::string cmd = kPsql + " -X -q -v ON_ERROR_STOP=1 -f " + file.string() + " '" + applied.url() + "' >/dev/null 2>" +
                          (dir.path() / "err").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_all(dir.path() / "err") << "\n" << plan.output;
  ASSERT_EQ(orch(migrated, {"up"}, dir).code, 0);
  EXPECT_EQ(schema_only(applied, dir), schema_only(migrated, dir));
  const std::string rows = "SELECT string_agg(version || ' ' || name || ' ' || array_to_string(statements, '|'), E'\\n' "
                           "ORDER BY version) FROM supabase_migrations.schema_migrations";
  EXPECT_EQ(applied.scalar(rows), migrated.scalar(rows));
}

TEST(Supabase, BaselineRecordsWithoutRunningAndDownNeedsADownFile) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("supa-down");
  write_project(dir);
  auto base = orch(db, {"baseline", "app", "--to", "20240101120000", "--yes"}, dir);
  ASSERT_EQ(base.code, 0) << base.output;
  EXPECT_EQ(db.scalar(kMigrationList), "20240101120000");
  EXPECT_FALSE(db.table_exists("app.notes"));  // recorded, not run
  db.exec("CREATE SCHEMA IF NOT EXISTS app; CREATE TABLE app.notes (id bigint primary key, body text)");
  ASSERT_EQ(orch(db, {"up"}, dir).code, 0);
  EXPECT_EQ(db.scalar(kMigrationList), "20240101120000,20240102093000");

  auto refused = orch(db, {"down", "app", "--yes"}, dir);
  EXPECT_NE(refused.code, 0) << refused.output;
  EXPECT_NE(refused.output.find("no down file for 20240102093000_note_count.sql"), std::string::npos) << refused.output;
  EXPECT_EQ(db.scalar(kMigrationList), "20240101120000,20240102093000");

  dir.write("supabase/migrations/20240102093000_note_count.down.sql", "drop function app.note_count(bigint);\n");
  auto down = orch(db, {"down", "app", "--yes"}, dir);
  ASSERT_EQ(down.code, 0) << down.output;
  EXPECT_EQ(db.scalar(kMigrationList), "20240101120000");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_proc WHERE proname = 'note_count'"), "0");
}

TEST(Supabase, MixesWithAnAlembicServiceInOneRun) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("supa-mixed");
  write_project(dir, "depends_on = [\"users\"]\n\n[runners.alembic]\ncommand = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n"
                     "\n[services.users]\nschema = \"users\"\nrunner = \"alembic\"\npath = \"" +
                         (source_dir() / "examples" / "mindmirror" / "users").string() + "\"\n");
  auto r = orch(db, {"up"}, dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar(kMigrationList), "20240101120000,20240102093000");
  EXPECT_FALSE(db.scalar("SELECT version_num FROM users.alembic_version").empty());
  auto check = orch(db, {"check"}, dir);
  EXPECT_EQ(check.code, 0) << check.output;
}

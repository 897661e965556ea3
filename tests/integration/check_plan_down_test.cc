// check, plan, down and baseline: the real binary, a real PostgreSQL, real Alembic.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "harness.h"

using namespace itest;
using json = nlohmann::json;

namespace {

const std::string kPsql = "/usr/lib/postgresql/15/bin/psql";

RunResult orch(const TestDatabase& db, std::vector<std::string> args, const fs::path& cwd = source_dir()) {
  return run_orchestrate(std::move(args), {{"DATABASE_URL", db.url()}}, cwd);
}

std::string tables(const TestDatabase& db) {
  return db.scalar(
      "SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY schemaname, tablename) FROM pg_tables "
      "WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'orchestrate')");
}

std::string graph_manifest(const std::string& tree) {
  return "[project]\nname = \"graphs\"\ndatabase = \"env:DATABASE_URL\"\n\n[runners.alembic]\n"
         "command = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n\n[services.svc]\nschema = \"svc\"\nrunner = \"alembic\"\n"
         "path = \"" + (source_dir() / "tests" / "fixtures" / "revision_graphs" / tree).string() + "\"\n";
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// The schema as pg_dump sees it, orchestrate's own history aside.
std::string schema_dump(const TestDatabase& db, const TempDir& dir) {
  fs::path out = dir.path() / ("dump-" + db.name() + ".sql");
  std::string cmd = "/usr/lib/postgresql/15/bin/pg_dump --schema-only --no-owner --exclude-schema=orchestrate '" +
                    db.url() + "' >" + out.string() + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << read_all(out);
  // pg_dump 15.14+ brackets its output with \restrict / \unrestrict and a random key per run.
  std::string kept;
  for (const auto& line : split_lines(read_all(out)))
    if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0) kept += line + "\n";
  return kept;
}

// plan --sql applied with psql to one empty database, up on another: the same schema, byte for byte.
void expect_plan_sql_equals_up(const fs::path& cwd, const std::vector<std::string>& manifest_args,
                               bool with_policies = true) {
  TestDatabase applied, migrated;
  TempDir dir("plansql");
  std::vector<std::string> plan = manifest_args, up = manifest_args;
  plan.insert(plan.end(), {"plan", "--sql"});
  up.push_back("up");
  auto sql = orch(applied, plan, cwd);
  ASSERT_EQ(sql.code, 0) << sql.output;
  auto file = dir.write("plan.sql", sql.output);
  std::string cmd = kPsql + " -X -q -v ON_ERROR_STOP=1 -f " + file.string() + " '" + applied.url() + "' >/dev/null 2>" +
                    (dir.path() / "err").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_all(dir.path() / "err") << "\n" << sql.output;
  auto run = orch(migrated, up, cwd);
  ASSERT_EQ(run.code, 0) << run.output;
  std::string a = schema_dump(applied, dir), b = schema_dump(migrated, dir);
  if (with_policies) EXPECT_NE(a.find("CREATE POLICY"), std::string::npos) << a;
  EXPECT_EQ(a, b) << "plan --sql and up produced different schemas";
}

// An Alembic project shaped like issue 22's: env.py makes its schema on its own connection online only,
// and keeps the version table there, so offline SQL writes habits.alembic_version before any migration.
void write_online_schema_project(const TempDir& dir) {
  dir.write("services.toml", "[project]\nname = \"offline\"\ndatabase = \"env:DATABASE_URL\"\n\n[runners.alembic]\n"
                             "command = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n\n[services.habits]\n"
                             "schema = \"habits\"\nrunner = \"alembic\"\npath = \"habits\"\n\n[services.notes]\n"
                             "schema = \"notes\"\nrunner = \"sql\"\npath = \"notes\"\ndepends_on = [\"habits\"]\n");
  dir.write("habits/alembic.ini", "[alembic]\nscript_location = migrations\n");
  dir.write("habits/migrations/env.py", R"PY(import os
from alembic import context
from sqlalchemy import create_engine, pool, text

url = os.environ["DATABASE_URL"]
if context.is_offline_mode():
    context.configure(url=url, literal_binds=True, version_table_schema="habits")
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as setup:
        setup.execute(text('CREATE SCHEMA IF NOT EXISTS "habits"'))
    with engine.connect() as connection:
        context.configure(connection=connection, version_table_schema="habits")
        with context.begin_transaction():
            context.run_migrations()
)PY");
  dir.write("habits/migrations/versions/a1a1a1a1a1a1_templates.py",
            "\"\"\"templates\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"a1a1a1a1a1a1\"\n"
            "down_revision = None\n\n\ndef upgrade():\n    op.execute(\"CREATE SCHEMA IF NOT EXISTS habits\")\n"
            "    op.create_table(\"templates\", sa.Column(\"id\", sa.Integer, primary_key=True), schema=\"habits\")\n");
  dir.write("habits/migrations/versions/b2b2b2b2b2b2_names.py",
            "\"\"\"names\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"b2b2b2b2b2b2\"\n"
            "down_revision = \"a1a1a1a1a1a1\"\n\n\ndef upgrade():\n"
            "    op.add_column(\"templates\", sa.Column(\"name\", sa.Text), schema=\"habits\")\n");
  dir.write("notes/0001_notes.sql", "CREATE TABLE notes (id bigint PRIMARY KEY, template_id int REFERENCES habits.templates (id));\n");
  dir.write("notes/0002_body.sql", "ALTER TABLE notes ADD COLUMN body text;\n");
}

std::vector<fs::path> sorted_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Applies every file of `dir` with psql, in file-name order, as a runner that sorts by name would.
void apply_in_name_order(const fs::path& dir, const TestDatabase& db, const TempDir& scratch) {
  for (const auto& f : sorted_files(dir)) {
    std::string cmd = kPsql + " -X -q -v ON_ERROR_STOP=1 -f " + f.string() + " '" + db.url() + "' >/dev/null 2>" +
                      (scratch.path() / "err").string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << f << ": " << read_all(scratch.path() / "err") << "\n" << read_all(f);
  }
}

}  // namespace

TEST(Check, CleanExampleExitsZero) {
  REQUIRE_DATABASE();
  TestDatabase db;
  auto r = orch(db, {"check"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("runner alembic: `/usr/bin/python3 -m alembic`: alembic"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("may create schemas"), std::string::npos);
  EXPECT_NE(r.output.find("3 pending (not-initialised)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("0 errors"), std::string::npos);
}

TEST(Check, BrokenTreesExitThreeWithPathAndLine) {
  REQUIRE_DATABASE();
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"renamed_base",
       {"189b1231afd4_bootstrap_tables.py:4: file name says revision 189b1231afd4, but the file declares revision '2a3f4c9d1cde'",
        "189b1231afd4_bootstrap_tables.py:5: down_revision '189b1231afd4' of revision 2a3f4c9d1cde is not declared"}},
      {"missing_parent", {"b2b2b2b2_next.py:5: down_revision 'zz99zz99'"}},
      {"two_heads", {"2 heads and no merge: b2b2b2b2 (", "alembic merge -m \"merge heads\" b2b2b2b2 c3c3c3c3"}},
      {"cycle", {"revision cycle: "}},
      {"duplicate", {"revision a1a1a1a1 is declared by 2 files"}},
  };
  for (const auto& [tree, expected] : cases) {
    TempDir dir("graph-" + tree);
    dir.write("services.toml", graph_manifest(tree));
    auto r = run_orchestrate({"check", "--offline"}, {}, dir.path());
    EXPECT_EQ(r.code, 3) << tree << "\n" << r.output;
    for (const auto& e : expected) EXPECT_NE(r.output.find(e), std::string::npos) << tree << ": " << e << "\n" << r.output;
  }
  for (const std::string clean : {"merge", "squashed"}) {
    TempDir dir("graph-" + clean);
    dir.write("services.toml", graph_manifest(clean));
    auto r = run_orchestrate({"check", "--offline"}, {}, dir.path());
    EXPECT_EQ(r.code, 0) << clean << "\n" << r.output;
  }
}

TEST(Check, FindsDriftSquashedHistoryAndTablesWithoutVersionOnARealDatabase) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("check-drift");
  dir.write("s/0001_one.sql", "CREATE TABLE one (id int);\n");
  dir.write("s/0003_three.sql", "CREATE TABLE three (id int);\n");
  std::string manifest = graph_manifest("squashed") +
                         "\n[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \"s\"\n"
                         "\n[services.legacy]\nschema = \"legacy\"\nrunner = \"sql\"\npath = \"legacy\"\n";
  dir.write("legacy/0001_x.sql", "CREATE TABLE x (id int);\n");
  dir.write("services.toml", manifest);
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("CREATE SCHEMA svc; CREATE TABLE svc.alembic_version (version_num varchar(32) PRIMARY KEY);"
            "INSERT INTO svc.alembic_version VALUES ('a1b2c3d4e5f6')");  // the pre-squash history
    tx.exec("CREATE SCHEMA legacy; CREATE TABLE legacy.x (id int)");  // created outside migrations
  }
  ASSERT_EQ(orch(db, {"up", "--only", "s"}, dir.path()).code, 0);
  dir.write("s/0001_one.sql", "CREATE TABLE one (id bigint);\n");  // edited after it was applied
  auto r = orch(db, {"check"}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("s/0003_three.sql: gap in versions: nothing between 0001 and 0003"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("s: error: s/0001_one.sql was changed after it was applied"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("svc: ahead/unknown: the database holds revision a1b2c3d4e5f6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("legacy: tables-without-version"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("orchestrate baseline legacy --to REV"), std::string::npos);
}

TEST(Plan, LevelsAndJson) {
  REQUIRE_DATABASE();
  TestDatabase db;
  auto r = orch(db, {"plan", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.output;
  json j = json::parse(r.output);
  EXPECT_EQ(j["schema_version"], 2);
  ASSERT_EQ(j["levels"].size(), 3u);
  EXPECT_EQ(j["levels"][0]["services"][0]["name"], "users");
  EXPECT_EQ(j["levels"][1]["services"].size(), 4u);
  EXPECT_EQ(j["levels"][2]["services"][0]["name"], "practices");
  EXPECT_EQ(j["levels"][0]["services"][0]["pending"][1]["message"], "create users");
  EXPECT_EQ(j["rls"]["policies"][0]["name"], "owner_access");
  auto text = orch(db, {"plan", "-j", "2"});
  EXPECT_NE(text.output.find("level 2, after level 1: habits, journal, meals, movements (independent of each other: "
                             "up to 2 at once)"),
            std::string::npos)
      << text.output;
  EXPECT_EQ(text.output.find("wave"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("13 migrations pending"), std::string::npos);
}

// Issue 22: six independent services were "wave 1 … / wave 2: … / wave 3: …" (the -j slots), and a
// service in error left the exit 0.
TEST(Plan, IndependentServicesAreOneLevelAndAServiceInErrorExitsThree) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("plan-levels");
  std::string manifest = graph_manifest("missing_parent");
  for (const std::string n : {"s1", "s2", "s3", "s4", "s5"}) {
    dir.write(n + "/0001_init.sql", "CREATE TABLE t (id int);\n");
    manifest += "\n[services." + n + "]\nschema = \"" + n + "\"\nrunner = \"sql\"\npath = \"" + n + "\"\n";
  }
  dir.write("services.toml", manifest);
  auto r = orch(db, {"plan", "-j", "2"}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("level 1: svc, s1, s2, s3, s4, s5 (independent of each other: up to 2 at once)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("level 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("s5 (sql, schema s5): 1 pending"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("error: svc: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 service that `up` would not migrate"), std::string::npos) << r.output;
  auto sql = orch(db, {"plan", "--sql"}, dir.path());
  EXPECT_EQ(sql.code, 3) << sql.output;
  EXPECT_NE(sql.output.find("CREATE TABLE t (id int)"), std::string::npos) << sql.output;
  EXPECT_EQ(orch(db, {"plan", "--format", "json"}, dir.path()).code, 3);
  auto files = orch(db, {"plan", "--sql", "--out", (dir.path() / "out").string()}, dir.path());
  EXPECT_EQ(files.code, 3) << files.output;
  EXPECT_NE(files.output.find("nothing written to "), std::string::npos) << files.output;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(Plan, SqlAppliedWithPsqlReproducesWhatUpCreates) {
  REQUIRE_DATABASE();
  TestDatabase planned, applied, migrated;
  auto sql = orch(planned, {"plan", "--sql"});
  ASSERT_EQ(sql.code, 0) << sql.output;
  TempDir dir("plansql");
  auto file = dir.write("plan.sql", sql.output);
  std::string cmd = kPsql + " -X -q -v ON_ERROR_STOP=1 -f " + file.string() + " '" + applied.url() + "' >/dev/null 2>" +
                    (dir.path() / "err").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_all(dir.path() / "err");
  ASSERT_EQ(orch(migrated, {"up"}).code, 0);
  EXPECT_EQ(tables(applied), tables(migrated));
  EXPECT_EQ(schema_dump(applied, dir), schema_dump(migrated, dir));
  EXPECT_FALSE(tables(applied).empty());
  EXPECT_EQ(applied.scalar("SELECT count(*) FROM pg_policies"), migrated.scalar("SELECT count(*) FROM pg_policies"));
  // The script also records versions: status sees the database as up to date.
  auto st = orch(applied, {"status", "--check"});
  EXPECT_EQ(st.code, 0) << st.output;
}

// Role specifications that are keywords (current_user, session_user) and a quoted mixed-case role:
// plan --sql used to quote "current_user" as a role name, which fails where up succeeds.
TEST(Plan, SqlWithKeywordAndMixedCaseRolesEqualsUp) {
  REQUIRE_DATABASE();
  {
    TestDatabase admin;  // roles are cluster-wide; another test run may have made it already
    auto c = admin.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("DO $$ BEGIN CREATE ROLE \"Auditor\" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
  }
  TempDir dir("plansql-roles");
  dir.write("notes/0001_notes.sql",
            "CREATE TABLE notes (id bigint PRIMARY KEY, user_id text NOT NULL, body text);\n"
            "CREATE TABLE tags (id bigint PRIMARY KEY, label text);\n");
  dir.write("services.toml", R"TOML([project]
name = "roles"
database = "env:DATABASE_URL"

[services.notes]
schema = "notes"
runner = "sql"
path = "notes"

[rls]
require = ["notes"]
force = true

[[rls.policy]]
name = "Owner Access"
schemas = ["notes"]
when_column = "user_id"
command = "ALL"
roles = ["current_user", "session_user", "Auditor"]
using = "user_id = current_setting('app.user', true) OR body LIKE '%public%'"
with_check = "user_id = current_setting('app.user', true)"

[[rls.policy]]
name = "everyone_reads"
schemas = ["notes"]
command = "SELECT"
roles = ["public"]
using = "true"
)TOML");
  expect_plan_sql_equals_up(dir.path(), {});
}

// Issue 22: on an empty database the offline SQL created habits.alembic_version before the schema
// existed, though the header promises that psql -f applies the file.
TEST(Plan, SqlCreatesEachSchemaBeforeAlembicsVersionTable) {
  REQUIRE_DATABASE();
  TempDir dir("plansql-schema");
  write_online_schema_project(dir);
  expect_plan_sql_equals_up(dir.path(), {}, false);
}

// plan --sql --out: one file per pending revision, applied in file-name order by psql, gives what up gives;
// a second run writes nothing, and a file edited since is refused, not rewritten.
TEST(Plan, OutFilesAppliedInNameOrderEqualUp) {
  REQUIRE_DATABASE();
  TestDatabase applied, again, migrated;
  TempDir dir("plan-out");
  const fs::path out = dir.path() / "migrations";
  auto r = orch(applied, {"plan", "--sql", "--out", out.string(), "--layout", "flat"});
  ASSERT_EQ(r.code, 0) << r.output;
  std::vector<std::string> names;
  for (const auto& f : sorted_files(out)) names.push_back(f.filename().string());
  ASSERT_EQ(names.size(), 14u) << r.output;  // 13 revisions and files, then the RLS phase
  EXPECT_EQ(names.front().substr(0, 10), "0001_users") << r.output;
  EXPECT_EQ(names.back().substr(0, 9), "0014_rls_") << r.output;
  auto position = [&](const std::string& service) {
    std::vector<size_t> at;
    for (size_t k = 0; k < names.size(); ++k)
      if (names[k].find("_" + service + "_") == 4) at.push_back(k);
    return at;
  };
  EXPECT_EQ(position("users"), (std::vector<size_t>{0, 1, 2}));
  EXPECT_LT(position("movements").back(), position("practices").front());
  EXPECT_EQ(position("practices").size(), 1u);
  EXPECT_NE(r.output.find("wrote " + (out / names.front()).string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("14 files written, 0 unchanged"), std::string::npos) << r.output;
  apply_in_name_order(out, applied, dir);
  ASSERT_EQ(orch(migrated, {"up"}).code, 0);
  EXPECT_EQ(schema_dump(applied, dir), schema_dump(migrated, dir));
  auto st = orch(applied, {"status", "--check"});  // the version rows came with the files
  EXPECT_EQ(st.code, 0) << st.output;

  // The same inputs again: the same 14 files, none rewritten; against the migrated database, nothing.
  const std::string first = read_all(out / names[5]);
  auto second = orch(again, {"plan", "--sql", "--out", out.string(), "--layout", "flat"});
  ASSERT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("0 files written, 14 unchanged"), std::string::npos) << second.output;
  EXPECT_EQ(sorted_files(out).size(), 14u);
  auto none = orch(applied, {"plan", "--sql", "--out", out.string(), "--layout", "flat"});
  ASSERT_EQ(none.code, 0) << none.output;
  EXPECT_NE(none.output.find("0 files written, 0 unchanged"), std::string::npos) << none.output;

  dir.write("migrations/" + names[5], first + "-- edited\n");
  auto refused = orch(again, {"plan", "--sql", "--out", out.string(), "--layout", "flat"});
  EXPECT_EQ(refused.code, 2) << refused.output;
  EXPECT_NE(refused.output.find((out / names[5]).string() + " exists with other content"), std::string::npos)
      << refused.output;
  EXPECT_EQ(read_all(out / names[5]), first + "-- edited\n");
}

TEST(Plan, OutSupabaseLayoutSquashedGivesWhatUpGives) {
  REQUIRE_DATABASE();
  TestDatabase applied, migrated;
  TempDir dir("plan-out-supa");
  write_online_schema_project(dir);
  const fs::path out = dir.path() / "supabase" / "migrations";
  auto r = orch(applied, {"plan", "--sql", "--out", out.string(), "--squash"}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  std::vector<std::string> names;
  for (const auto& f : sorted_files(out)) names.push_back(f.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"20000101000001_habits_a1a1a1a1a1a1_to_b2b2b2b2b2b2.sql",
                                             "20000101000002_notes_0001_to_0002.sql"}))
      << r.output;
  apply_in_name_order(out, applied, dir);
  ASSERT_EQ(orch(migrated, {"up"}, dir.path()).code, 0);
  EXPECT_EQ(schema_dump(applied, dir), schema_dump(migrated, dir));
  EXPECT_EQ(applied.scalar("SELECT version_num FROM habits.alembic_version"), "b2b2b2b2b2b2");
  // Per revision, the same project is four files; habits' come first (notes depends on it).
  const fs::path per = dir.path() / "per";
  auto p = orch(migrated, {"plan", "--sql", "--out", per.string()}, dir.path());
  ASSERT_EQ(p.code, 0) << p.output;
  EXPECT_NE(p.output.find("0 files written, 0 unchanged"), std::string::npos) << p.output;  // nothing pending there
  TestDatabase empty;
  auto q = orch(empty, {"plan", "--sql", "--out", per.string()}, dir.path());
  ASSERT_EQ(q.code, 0) << q.output;
  names.clear();
  for (const auto& f : sorted_files(per)) names.push_back(f.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"20000101000001_habits_a1a1a1a1a1a1.sql", "20000101000002_habits_b2b2b2b2b2b2.sql",
                                             "20000101000003_notes_0001_notes.sql", "20000101000004_notes_0002_body.sql"}))
      << q.output;
}

TEST(Down, OneStepAndBackUp) {
  REQUIRE_DATABASE();
  TestDatabase db;
  ASSERT_EQ(orch(db, {"up"}).code, 0);
  auto refused = orch(db, {"down", "journal"});
  EXPECT_EQ(refused.code, 2) << refused.output;
  EXPECT_NE(refused.output.find("no terminal to ask on; pass --yes"), std::string::npos);
  EXPECT_EQ(db.scalar("SELECT version_num FROM journal.alembic_version"), "6d2f0c8b1a37");
  auto down = orch(db, {"down", "journal", "--yes"});
  ASSERT_EQ(down.code, 0) << down.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM journal.alembic_version"), "0b8e6d4a2f10");
  EXPECT_FALSE(db.table_exists("journal.prompts"));
  EXPECT_NE(down.output.find("journal: now at 0b8e6d4a2f10 (pending"), std::string::npos) << down.output;
  auto up = orch(db, {"up"});
  ASSERT_EQ(up.code, 0) << up.output;
  EXPECT_NE(up.output.find("0b8e6d4a2f10 -> 6d2f0c8b1a37  1"), std::string::npos) << up.output;
}

TEST(Down, CascadeDowngradesDependentsFirstAndSqlDownFiles) {
  REQUIRE_DATABASE();
  TestDatabase db;
  ASSERT_EQ(orch(db, {"up"}).code, 0);
  auto r = orch(db, {"down", "movements", "--cascade", "--to", "base", "--yes"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_LT(r.output.find("practices   | $"), r.output.find("movements   | reverting 0002"));
  EXPECT_FALSE(db.table_exists("practices.routines"));
  EXPECT_FALSE(db.table_exists("movements.exercises"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM movements.orchestrate_migrations"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM practices.alembic_version"), "0");
  // meals has no .down.sql files: a clear error, and nothing changed.
  auto meals = orch(db, {"down", "meals", "--yes"});
  EXPECT_EQ(meals.code, 1);
  EXPECT_NE(meals.output.find("no down file for 0003_index_nutrients_concurrently.sql"), std::string::npos) << meals.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM meals.orchestrate_migrations"), "3");
  ASSERT_EQ(orch(db, {"up"}).code, 0);
  EXPECT_TRUE(db.table_exists("practices.routines"));
}

TEST(Baseline, ThenUpAppliesOnlyLaterRevisions) {
  REQUIRE_DATABASE();
  TestDatabase db;
  ASSERT_EQ(orch(db, {"up", "--only", "habits"}).code, 0);
  ASSERT_EQ(orch(db, {"down", "habits", "--yes"}).code, 0);
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("DROP TABLE habits.alembic_version");  // as if made by metadata.create_all()
  }
  auto st = orch(db, {"status", "--format", "json"});
  EXPECT_NE(st.output.find("tables-without-version"), std::string::npos);
  auto refused = orch(db, {"baseline", "habits", "--to", "189b1231afd4"});
  EXPECT_EQ(refused.code, 2);  // no terminal, no --yes
  auto b = orch(db, {"baseline", "habits", "--to", "189b1231afd4", "--yes"});
  ASSERT_EQ(b.code, 0) << b.output;
  EXPECT_NE(b.output.find("habits: now at 189b1231afd4 (pending, 1 pending)"), std::string::npos) << b.output;
  auto again = orch(db, {"baseline", "habits", "--to", "189b1231afd4", "--yes"});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.output.find("already versioned"), std::string::npos);
  auto up = orch(db, {"up", "--only", "habits"});
  ASSERT_EQ(up.code, 0) << up.output;
  EXPECT_NE(up.output.find("189b1231afd4 -> 2a3f4c9d1cde  1"), std::string::npos) << up.output;
  EXPECT_TRUE(db.table_exists("habits.lookup_codes"));
}

TEST(Baseline, SqlRecordsFilesWithoutRunningThem) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("baseline-sql");
  dir.write("s/0001_one.sql", "CREATE TABLE one (id int);\n");
  dir.write("s/0002_two.sql", "CREATE TABLE two (id int);\n");
  dir.write("services.toml", "[project]\nname = \"b\"\ndatabase = \"env:DATABASE_URL\"\n\n"
                             "[services.s]\nschema = \"s\"\nrunner = \"sql\"\npath = \"s\"\n");
  {
    auto c = db.connect();
    pqxx::nontransaction tx(*c);
    tx.exec("CREATE SCHEMA s; CREATE TABLE s.one (id int)");
  }
  ASSERT_EQ(orch(db, {"baseline", "s", "--to", "1", "--yes"}, dir.path()).code, 0);
  auto up = orch(db, {"up"}, dir.path());
  ASSERT_EQ(up.code, 0) << up.output;
  EXPECT_EQ(db.scalar("SELECT string_agg((applied_by LIKE 'baseline%')::text, ',' ORDER BY version) FROM s.orchestrate_migrations"),
            "true,false");
  EXPECT_TRUE(db.table_exists("s.two"));
}

TEST(Status, BrokenRevisionChainIsAnErrorNotPending) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("status-broken");
  dir.write("services.toml", graph_manifest("renamed_base"));
  auto r = orch(db, {"status", "--format", "json"}, dir.path());
  json j = json::parse(r.output);
  EXPECT_EQ(j["services"][0]["state"], "error") << r.output;
  EXPECT_NE(j["services"][0]["detail"].get<std::string>().find("names down_revision 189b1231afd4, which no file declares"),
            std::string::npos);
  EXPECT_EQ(orch(db, {"status", "--check"}, dir.path()).code, 3);
}

// `init` on trees shaped like a real monorepo (the one whose 03-run-migrations.sh and
// 04-apply-rls-policies.sh orchestrate replaces): a SQL folder the script skips, whose files create
// their own schema and wrap themselves in BEGIN/COMMIT; Poetry services on a machine without poetry;
// env.py files that import the application; an RLS script that hands psql a heredoc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kinds.h"
#include "manifest/manifest.h"
#include "scaffold/manifest_text.h"
#include "scaffold/project_scan.h"
#include "scaffold/rls_scaffold.h"
#include "scaffold/script_read.h"
#include "scaffold/sql_folder_read.h"
#include "util/sql_split.h"
#include "util/text.h"

namespace fs = std::filesystem;
using namespace orch;

namespace {

bool has(const std::vector<std::string>& notes, const std::string& part) {
  for (const auto& n : notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

std::string all(const std::vector<std::string>& notes) { return join(notes, "\n"); }

class ScaffoldRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("orch-scaffold-repo-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  // A Poetry service whose alembic.ini sits in <name>/alembic/ and whose env.py imports the app.
  void poetry_service(const std::string& name, const std::string& schema) {
    write(name + "/pyproject.toml", "[tool.poetry]\nname = \"" + name + "\"\n");
    write(name + "/alembic/alembic.ini", "[alembic]\nscript_location = %(here)s/alembic\n");
    write(name + "/" + schema + "/__init__.py", "");
    write(name + "/" + schema + "/app/config.py", "class Settings:\n    database_url = ''\nsettings = Settings()\n");
    write(name + "/alembic/alembic/env.py",
          "from alembic import context\nfrom sqlalchemy.ext.asyncio import async_engine_from_config\n"
          "from " + schema + ".app.config import settings\nfrom " + schema + ".repository.models import Base\n"
          "config = context.config\nconfig.set_main_option(\"sqlalchemy.url\", settings.database_url)\n"
          "connectable = async_engine_from_config(config.get_section(config.config_ini_section),\n"
          "    connect_args={\"server_settings\": {\"search_path\": \"" + schema + "\"}})\n");
  }
  void waitlist_folder() {
    write("web/sql/001_waitlist.sql",
          "CREATE SCHEMA IF NOT EXISTS waitlist;\n"
          "CREATE TABLE waitlist.signups (id uuid PRIMARY KEY, user_id uuid REFERENCES auth.users (id));\n");
    write("web/sql/002_referrals.sql", "BEGIN;\nALTER TABLE waitlist.signups ADD COLUMN referrer text;\nCOMMIT;\n");
    write("web/sql/003_index.sql", "BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY signups_ref ON waitlist.signups (referrer);\n");
  }
  fs::path root_;
};

}  // namespace

TEST_F(ScaffoldRepoTest, ASqlFolderTakesTheSchemaItCreatesAndSaysWhatToDoWithBeginCommit) {
  waitlist_folder();
  SqlFolderFacts f = read_sql_folder(root_ / "web" / "sql");
  EXPECT_EQ(f.schema, "waitlist");
  EXPECT_EQ(f.schema_source, "CREATE SCHEMA in 001_waitlist.sql");
  EXPECT_TRUE(has(f.notes, "refers to schema auth (auth.users), which it does not create (Supabase's)")) << all(f.notes);
  EXPECT_TRUE(has(f.notes, "002_referrals.sql wraps itself in BEGIN at line 1, COMMIT at line 3: not a no-transaction "
                           "candidate")) << all(f.notes);
  EXPECT_TRUE(has(f.notes, "003_index.sql holds BEGIN at line 1, COMMIT at line 2 and CREATE INDEX CONCURRENTLY at "
                           "line 3, which cannot run in a transaction: a no-transaction candidate")) << all(f.notes);
  EXPECT_FALSE(has(f.notes, "001_waitlist.sql")) << all(f.notes);  // no transaction control there
  auto found = scan_project(root_);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].name, "waitlist") << "a folder named sql is named after the schema it creates";
  EXPECT_EQ(found[0].schema, "waitlist");
}

TEST_F(ScaffoldRepoTest, WithoutCreateSchemaTheQualifiedTableNamesGiveIt) {
  write("db/0001_a.sql", "CREATE TABLE billing.invoices (id int);\nCREATE INDEX ON billing.invoices (id);\n"
                         "CREATE VIEW billing.v AS SELECT * FROM public.accounts;\n");
  SqlFolderFacts f = read_sql_folder(root_ / "db");
  EXPECT_EQ(f.schema, "billing");
  EXPECT_EQ(f.schema_source, "the tables 3 statements create or alter");
}

TEST_F(ScaffoldRepoTest, PoetryWithoutPoetryFallsBackToTheSharedInterpreterAndSaysSo) {
  poetry_service("habits_service", "habits");
  auto without = scan_project(root_, ScanOptions{false});
  ASSERT_EQ(without.size(), 1u);
  EXPECT_EQ(without[0].name, "habits_service") << "alembic/ is named after the folder holding it";
  EXPECT_EQ(without[0].path, "habits_service/alembic");
  EXPECT_EQ(without[0].python, "");
  EXPECT_TRUE(has(without[0].notes, "runs this service with Poetry (habits_service/pyproject.toml with [tool.poetry]), "
                                    "but poetry is not installed here")) << all(without[0].notes);
  auto with = scan_project(root_, ScanOptions{true});
  EXPECT_EQ(with[0].python, "poetry");
  EXPECT_FALSE(has(with[0].notes, "Poetry")) << all(with[0].notes);
}

// F6: `init` run in the folder that holds alembic.ini itself.
TEST_F(ScaffoldRepoTest, TheFolderItselfHoldingAlembicIniIsTheServiceAtDot) {
  poetry_service("habits_service", "habits");
  for (const fs::path& root : {root_ / "habits_service" / "alembic", root_ / "habits_service" / "alembic" / ""}) {
    auto found = scan_project(root, ScanOptions{false});
    ASSERT_EQ(found.size(), 1u) << root;
    EXPECT_EQ(found[0].path, ".");
    EXPECT_EQ(found[0].runner, "alembic");
    EXPECT_EQ(found[0].name, "habits_service") << "alembic/ is named after the folder holding it";
  }
}

// F1: a stock env.py (no version_table_schema) keeps the version in public.alembic_version.
TEST_F(ScaffoldRepoTest, AnEnvPyWithoutVersionTableSchemaGetsThePublicVersionTable) {
  write("songs/alembic.ini", "[alembic]\nscript_location = migrations\n");
  write("songs/migrations/env.py", "import os\nfrom alembic import context\ncontext.configure(url=os.environ['DATABASE_URL'])\n");
  auto found = scan_project(root_);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].version_table, "public.alembic_version");
  ScaffoldInput in;
  in.project = "repo";
  in.services = found;
  EXPECT_NE(render_manifest(in).find("version_table = \"public.alembic_version\""), std::string::npos) << render_manifest(in);
  // One that names its schema keeps the default (<schema>.alembic_version).
  write("songs/migrations/env.py", "from alembic import context\ncontext.configure(version_table_schema='songs')\n");
  EXPECT_EQ(scan_project(root_)[0].version_table, "");
}

TEST_F(ScaffoldRepoTest, EnvPyThatImportsTheAppIsCommentedAtTheService) {
  poetry_service("habits_service", "habits");
  auto found = scan_project(root_, ScanOptions{false});
  ASSERT_EQ(found.size(), 1u);
  const auto& n = found[0].notes;
  EXPECT_TRUE(has(n, "env.py imports the application (habits): the interpreter needs this service's dependencies")) << all(n);
  EXPECT_TRUE(has(n, "env.py passes its own connection options")) << all(n);
  EXPECT_TRUE(has(n, "env.py reads the URL from its own settings (settings.database_url), not DATABASE_URL")) << all(n);
  EXPECT_EQ(found[0].pythonpath, "..") << "habits/ is beside alembic/, not inside it";
  ScaffoldInput in;
  in.project = "repo";
  in.services = found;
  const std::string toml = render_manifest(in);
  EXPECT_NE(toml.find("env = { PYTHONPATH = \"..\" }"), std::string::npos) << toml;
  EXPECT_NE(toml.find("# check this: env.py reads the URL from its own settings"), std::string::npos) << toml;
  // An env.py that reads DATABASE_URL gets no warning about it.
  write("habits_service/alembic/alembic/env.py", "import os\nurl = os.environ[\"DATABASE_URL\"]\n");
  auto plain = scan_project(root_, ScanOptions{false});
  EXPECT_TRUE(has(plain[0].notes, "env.py reads DATABASE_URL, which orchestrate sets")) << all(plain[0].notes);
  EXPECT_FALSE(has(plain[0].notes, "imports")) << all(plain[0].notes);
}

TEST_F(ScaffoldRepoTest, TheScriptsServicesAreTheManifestAndTheRestAreComments) {
  poetry_service("habits_service", "habits");
  poetry_service("users_service", "users");
  waitlist_folder();
  const std::string script = "#!/bin/bash\n# web/sql is applied by hand\nfor svc in users_service habits_service; do\n"
                             "  (cd \"$ROOT/$svc\" && poetry run alembic upgrade head)\ndone\n";
  ScaffoldInput in;
  in.project = "repo";
  in.script_name = "03-run-migrations.sh";
  const auto found = scan_project(root_, ScanOptions{false});
  const auto run = services_run_by(script, found);
  ASSERT_EQ(run.size(), 2u);
  for (size_t i = 0; i < found.size(); ++i)
    (std::find(run.begin(), run.end(), i) == run.end() ? in.not_run : in.services).push_back(found[i]);
  EXPECT_EQ(found[run[0]].name, "users_service");
  EXPECT_EQ(found[run[1]].name, "habits_service");
  std::ofstream(root_ / "services.toml") << render_manifest(in);
  const std::string toml = read_text_file((root_ / "services.toml").string());
  EXPECT_NE(toml.find("# Found but not run by 03-run-migrations.sh; uncomment to let orchestrate run it:\n"
                      "# [services.waitlist]\n# runner = \"sql\"\n# path = \"web/sql\"\n"
                      "# schema = \"waitlist\"   # from CREATE SCHEMA in 001_waitlist.sql\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("# # 002_referrals.sql wraps itself in BEGIN"), std::string::npos) << toml;
  Manifest m = load_manifest(root_ / "services.toml");
  ASSERT_EQ(m.services.size(), 2u);
}

TEST_F(ScaffoldRepoTest, AnRlsScriptsHeredocBecomesAnRlsFileWithoutBeginCommit) {
  write("infra/04-apply-rls-policies.sh",
        "#!/bin/bash\nset -euo pipefail\n# psql -f old.sql  (a comment: not read)\n"
        "psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 <<'EOF'\n\\set ON_ERROR_STOP on\nBEGIN;\n"
        "ALTER TABLE habits.habits ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY owner ON habits.habits USING (user_id = auth.uid());\nCOMMIT;\nEOF\n"
        "psql \"$DATABASE_URL\" -c \"SELECT 1\"\n");
  RlsFromScripts r = rls_from_scripts(shell_scripts(root_), root_);
  ASSERT_EQ(r.files.size(), 1u) << all(r.notes);
  EXPECT_EQ(r.files[0].path, "rls/04-apply-rls-policies.sql");
  EXPECT_EQ(r.files[0].source, "infra/04-apply-rls-policies.sh:4 (psql heredoc)");
  auto parsed = parse_sql(r.files[0].text);
  ASSERT_TRUE(parsed) << parsed.error().message << "\n" << r.files[0].text;
  ASSERT_EQ(parsed->size(), 2u) << r.files[0].text;
  for (const auto& st : *parsed) EXPECT_FALSE(is_transaction_control(st)) << st.text;
  EXPECT_EQ((*parsed)[1].keyword, "CREATE");
  EXPECT_TRUE(has(r.notes, "removed \\set ON_ERROR_STOP on, BEGIN, COMMIT")) << all(r.notes);
  ScaffoldInput in;
  in.project = "repo";
  write("habits/0001_a.sql", "CREATE TABLE habits.habits (user_id uuid);\n");
  write("users/0001_a.sql", "CREATE TABLE users.users (id uuid);\n");
  in.services = scan_project(root_);
  in.rls = r;
  const std::string toml = render_manifest(in);
  EXPECT_NE(toml.find("[rls]\nfiles = [\"rls/04-apply-rls-policies.sql\"]\n"), std::string::npos) << toml;
  EXPECT_NE(toml.find("require = [\"habits\", \"users\"]"), std::string::npos) << toml;
}

TEST_F(ScaffoldRepoTest, PsqlFileArgumentsAreReadBesideTheScriptOrInTheRepository) {
  write("rls/policies.sql", "ALTER TABLE a.t ENABLE ROW LEVEL SECURITY;\n");
  write("scripts/apply.sh", "psql \"$DB\" -f \"$SCRIPT_DIR/../rls/policies.sql\"\npsql \"$DB\" -f \"$f\"\n");
  auto blocks = psql_sql(read_text_file((root_ / "scripts/apply.sh").string()), root_ / "scripts", root_);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].how, "-f $SCRIPT_DIR/../rls/policies.sql");
  EXPECT_EQ(blocks[0].sql, "ALTER TABLE a.t ENABLE ROW LEVEL SECURITY;\n");
  EXPECT_EQ(blocks[1].unread, "$f is a shell variable");
}

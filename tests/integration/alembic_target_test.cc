// Alembic projects whose env.py does not do what orchestrate's own examples do: it connects to a database
// of its own choosing, leaves the version table on the search_path, or takes its URL from alembic.ini.
// orchestrate must never report another database's migration as the target's, nor read a version table
// Alembic does not write.
#include "harness.h"

using namespace itest;

namespace {

const char* kIni = "[alembic]\nscript_location = migrations\nprepend_sys_path = .\nsqlalchemy.url = postgresql://nobody@nowhere.invalid/none\n";

std::string revision(const std::string& rev, const std::string& down, const std::string& body) {
  return "\"\"\"" + rev + "\"\"\"\nfrom alembic import op\n\nrevision = '" + rev + "'\ndown_revision = " +
         (down.empty() ? "None" : "'" + down + "'") + "\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n" +
         body + "\n\n\ndef downgrade():\n    pass\n";
}

// env.py connecting to `url_expr` (Python), with the version table in `schema` or on the search_path.
std::string env_py(const std::string& url_expr, const std::string& schema_kw) {
  return "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, pool\n"
         "engine = create_engine(" + url_expr + ", poolclass=pool.NullPool)\n"
         "with engine.connect() as connection:\n"
         "    context.configure(connection=connection" + schema_kw + ")\n"
         "    with context.begin_transaction():\n"
         "        context.run_migrations()\n";
}

std::string manifest(const std::string& extra = "") {
  return "[project]\nname = \"target\"\ndatabase = \"env:DATABASE_URL\"\nlock_timeout = \"300ms\"\n"
         "\n[runners.alembic]\ncommand = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n"
         "\n[services.svc]\nschema = \"svc\"\nrunner = \"alembic\"\npath = \"svc\"\n" + extra;
}

RunResult orchestrate(const TempDir& dir, const TestDatabase& db, std::vector<std::string> args,
                       std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "--no-dashboard");
  env["DATABASE_URL"] = db.url();
  return run_orchestrate(args, env, dir.path());
}

}  // namespace

// F0: an env.py with its own URL (alembic.ini's, an app setting) must not migrate that database in the
// target's name: the job fails before any revision runs, naming both databases.
TEST(AlembicTarget, AnEnvPyConnectedToAnotherDatabaseFailsBeforeAnyRevision) {
  REQUIRE_DATABASE();
  TestDatabase target, other;
  TempDir dir("target-other-db");
  dir.write("svc/alembic.ini", kIni);
  dir.write("svc/migrations/env.py", env_py("os.environ['OTHER_URL']", ", version_table_schema='public'"));
  dir.write("svc/migrations/versions/r1.py", revision("r1", "", "    op.execute('CREATE TABLE public.t1 (i int)')"));
  dir.write("services.toml", manifest("version_table = \"public.alembic_version\"\n"));
  auto r = orchestrate(dir, target, {"up"}, {{"OTHER_URL", other.url()}});
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("env.py connected to " + other.name()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not to the target " + target.name()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DATABASE_URL"), std::string::npos) << r.output;
  EXPECT_FALSE(other.table_exists("public.t1"));
  EXPECT_FALSE(other.table_exists("public.alembic_version"));
  EXPECT_FALSE(target.table_exists("public.alembic_version"));
}

// F1: env.py without version_table_schema (most real ones) writes public.alembic_version; orchestrate
// reading svc.alembic_version would say "not initialised" after a successful up, and down "from (none)".
TEST(AlembicTarget, AVersionTableOnTheSearchPathFailsBeforeAnyRevisionNamingTheManifestLine) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("target-version-table");
  dir.write("svc/alembic.ini", kIni);
  dir.write("svc/migrations/env.py", env_py("os.environ['DATABASE_URL']", ""));
  dir.write("svc/migrations/versions/r1.py", revision("r1", "", "    op.execute('CREATE TABLE public.t1 (i int)')"));
  dir.write("services.toml", manifest());
  auto r = orchestrate(dir, db, {"up"});
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("public.alembic_version"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("orchestrate reads svc.alembic_version"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("version_table = \"public.alembic_version\""), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("public.t1"));
  EXPECT_FALSE(db.table_exists("public.alembic_version"));

  // With the line the failure names, up applies it and status agrees.
  dir.write("services.toml", manifest("version_table = \"public.alembic_version\"\n"));
  r = orchestrate(dir, db, {"up"});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM public.alembic_version"), "r1");
  r = orchestrate(dir, db, {"status"});
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("up-to-date"), std::string::npos) << r.output;
}

// The env.py of `alembic init` (sync) and `alembic init -t async`, unmodified: they read sqlalchemy.url.
const char* kStockSyncEnvPy =
    "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n"
    "config = context.config\n"
    "connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix='sqlalchemy.',\n"
    "                                 poolclass=pool.NullPool)\n"
    "with connectable.connect() as connection:\n"
    "    context.configure(connection=connection, version_table_schema='svc')\n"
    "    with context.begin_transaction():\n"
    "        context.execute('CREATE SCHEMA IF NOT EXISTS svc')\n"
    "        context.run_migrations()\n";

const char* kStockAsyncEnvPy =
    "import asyncio\nfrom alembic import context\nfrom sqlalchemy import pool\n"
    "from sqlalchemy.ext.asyncio import async_engine_from_config\n"
    "config = context.config\n\n"
    "def do_run_migrations(connection):\n"
    "    context.configure(connection=connection, version_table_schema='svc')\n"
    "    with context.begin_transaction():\n"
    "        context.execute('CREATE SCHEMA IF NOT EXISTS svc')\n"
    "        context.run_migrations()\n\n"
    "async def run_async_migrations():\n"
    "    connectable = async_engine_from_config(config.get_section(config.config_ini_section, {}),\n"
    "                                           prefix='sqlalchemy.', poolclass=pool.NullPool)\n"
    "    async with connectable.connect() as connection:\n"
    "        await connection.run_sync(do_run_migrations)\n"
    "    await connectable.dispose()\n\n"
    "asyncio.run(run_async_migrations())\n";

// F3: alembic.ini names another host; the driver hands env.py the target's URL as sqlalchemy.url (a
// password with '%' in it survives configparser, and is never shown).
TEST(AlembicTarget, AStockEnvPyMigratesTheTargetNotAlembicInisUrl) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("target-stock-sync");
  dir.write("svc/alembic.ini", kIni);
  dir.write("svc/migrations/env.py", kStockSyncEnvPy);
  dir.write("svc/migrations/versions/r1.py", revision("r1", "", "    op.execute('CREATE TABLE svc.t1 (i int)')"));
  dir.write("services.toml", manifest());
  const std::string url = db.url_with_password("postgres", "pa%25ss");
  auto r = run_orchestrate({"--no-dashboard", "up"}, {{"DATABASE_URL", url}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM svc.alembic_version"), "r1");
  EXPECT_EQ(r.output.find("pa%25ss"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("pa%ss"), std::string::npos) << r.output;
}

// F2: the user's postgresql+asyncpg:// reaches an async env.py as it was written.
TEST(AlembicTarget, AnAsyncStockEnvPyGetsTheAsyncpgUrlAsWritten) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("target-stock-async");
  dir.write("svc/alembic.ini", kIni);
  dir.write("svc/migrations/env.py", kStockAsyncEnvPy);
  dir.write("svc/migrations/versions/r1.py",
            revision("r1", "", "    import os\n    op.execute(\"CREATE TABLE svc.t1 AS SELECT '%s'::text AS scheme\" % "
                               "os.environ['DATABASE_URL'].split('://')[0])"));
  dir.write("services.toml", manifest());
  std::string url = db.url();
  url.replace(0, url.find("://"), "postgresql+asyncpg");
  auto r = run_orchestrate({"--no-dashboard", "up"}, {{"DATABASE_URL", url}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT scheme FROM svc.t1"), "postgresql+asyncpg");
  EXPECT_EQ(db.scalar("SELECT version_num FROM svc.alembic_version"), "r1");
  // orchestrate's own reads (status) use the plain libpq form of the same URL.
  r = run_orchestrate({"--no-dashboard", "status"}, {{"DATABASE_URL", url}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("up-to-date"), std::string::npos) << r.output;
}

// Alembic projects shaped like real ones, not like our examples: env.py files that import their app
// (`from models import …` in two services), read PYTHONPATH from the manifest, pass their own libpq
// options, use a future engine or an async one; alembic.ini files that log twice or not at all; a
// revision failing at a known line; a service that breaks its interpreter before one that must not
// notice. Every service runs through orchestrate's driver, forked from one zygote per interpreter.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

const char* kIniLoggingOnce = R"([alembic]
script_location = migrations
prepend_sys_path = .

[loggers]
keys = root,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
)";

// A handler on the root logger and on `alembic`, which propagates: every line twice (common).
std::string ini_logging_twice() {
  std::string ini = kIniLoggingOnce;
  ini.replace(ini.find("level = INFO\nhandlers =\n"), std::string("level = INFO\nhandlers =\n").size(),
              "level = INFO\nhandlers = console\n");
  return ini;
}

// The alembic logger at WARN: Alembic says nothing of the revisions it runs.
std::string ini_logging_quiet() {
  std::string ini = kIniLoggingOnce;
  ini.replace(ini.find("level = INFO"), 12, "level = WARN");
  return ini;
}

// An env.py as real projects write it: the URL from the environment, the service's schema for the
// version table, and whatever else `extra_engine_args` passes to create_engine.
std::string env_py(const std::string& schema, const std::string& imports = "", const std::string& engine_args = "",
                   const std::string& after = "") {
  return "import os\nfrom logging.config import fileConfig\nfrom alembic import context\n"
         "from sqlalchemy import create_engine, pool\n" +
         imports +
         "\nif context.config.config_file_name is not None:\n"
         "    fileConfig(context.config.config_file_name, disable_existing_loggers=False)\n"
         "engine = create_engine(os.environ['DATABASE_URL'], poolclass=pool.NullPool" +
         engine_args +
         ")\n"
         "with engine.connect() as connection:\n"
         "    context.configure(connection=connection, version_table_schema='" +
         schema +
         "', target_metadata=None)\n"
         "    with context.begin_transaction():\n"
         "        context.execute('CREATE SCHEMA IF NOT EXISTS " +
         schema +
         "')\n"
         "        context.run_migrations()\n" +
         after;
}

std::string revision(const std::string& rev, const std::string& down, const std::string& body) {
  return "\"\"\"" + rev + "\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision: str = '" + rev +
         "'\ndown_revision = " + (down.empty() ? "None" : "'" + down + "'") +
         "\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade() -> None:\n" + body + "\n\n\ndef downgrade() -> None:\n    pass\n";
}

// A project in `dir/name` with three revisions creating t1..t3 in `schema`.
void three_revisions(const TempDir& dir, const std::string& name, const std::string& schema) {
  dir.write(name + "/migrations/versions/a1_t1.py", revision("a1", "", "    op.execute('CREATE TABLE " + schema + ".t1 (i int)')"));
  dir.write(name + "/migrations/versions/a2_t2.py", revision("a2", "a1", "    op.execute('CREATE TABLE " + schema + ".t2 (i int)')"));
  dir.write(name + "/migrations/versions/a3_t3.py", revision("a3", "a2", "    op.execute('CREATE TABLE " + schema + ".t3 (i int)')"));
}

std::string service(const std::string& name, const std::string& extra = "") {
  return "\n[services." + name + "]\nschema = \"" + name + "\"\nrunner = \"alembic\"\npath = \"" + name + "\"\n" + extra;
}

std::string manifest(const std::string& services, const std::string& project = "") {
  return "[project]\nname = \"shapes\"\ndatabase = \"env:DATABASE_URL\"\nlock_timeout = \"300ms\"\n" + project +
         "\n[runners.alembic]\ncommand = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n" + services;
}

// A revision that records what is in force on the migration's own connection.
const char* kRecordSettings =
    "    op.execute(\"CREATE TABLE {s}.seen AS SELECT current_setting('lock_timeout') AS lock_timeout, "
    "current_setting('statement_timeout') AS statement_timeout, current_setting('application_name') AS app\")";

std::string record_settings(const std::string& schema) {
  std::string body = kRecordSettings;
  body.replace(body.find("{s}"), 3, schema);
  return body;
}

RunResult up(const TempDir& dir, const TestDatabase& db, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--no-dashboard", "up"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_orchestrate(args, {{"DATABASE_URL", db.url()}}, dir.path());
}

}  // namespace

TEST(AlembicShapes, TwoServicesImportingTheirOwnModelsModuleFromPythonpathDoNotMeet) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-models");
  for (const std::string name : {"habits", "journal"}) {
    std::string column = name == "habits" ? "cadence" : "mood";
    // The application's package lives in app/, reached through the manifest's PYTHONPATH only.
    dir.write(name + "/app/models.py", "COLUMN = '" + column + "'\n");
    dir.write(name + "/alembic.ini", kIniLoggingOnce);
    dir.write(name + "/migrations/env.py", env_py(name, "from models import COLUMN  # the app's own models\n"));
    dir.write(name + "/migrations/versions/m1_t.py",
              revision("m1", "", "    from models import COLUMN\n    op.execute('CREATE TABLE " + name + ".t (%s int)' % COLUMN)"));
  }
  dir.write("services.toml", manifest(service("habits", "env = { PYTHONPATH = \"app\" }\n") +
                                      service("journal", "env = { PYTHONPATH = \"app\" }\n")));
  auto r = up(dir, db, {"-j", "1"});  // one after the other: the second job forks from the same zygote
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT column_name FROM information_schema.columns WHERE table_schema = 'habits' AND table_name = 't'"),
            "cadence");
  EXPECT_EQ(db.scalar("SELECT column_name FROM information_schema.columns WHERE table_schema = 'journal' AND table_name = 't'"),
            "mood");
}

TEST(AlembicShapes, ConnectArgsOptionsDoNotTakeTheLockTimeoutAway) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-connect-args");
  dir.write("svc/alembic.ini", kIniLoggingOnce);
  // "pgbouncer compatibility": libpq's options replace PGOPTIONS altogether.
  dir.write("svc/migrations/env.py",
            env_py("svc", "", ", connect_args={'options': '-c statement_timeout=30000'}"));
  dir.write("svc/migrations/versions/s1_seen.py", revision("s1", "", record_settings("svc")));
  dir.write("services.toml", manifest(service("svc")));
  auto r = up(dir, db);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT lock_timeout FROM svc.seen"), "300ms");
  EXPECT_EQ(db.scalar("SELECT statement_timeout FROM svc.seen"), "30s");  // theirs: ours is "off"
  EXPECT_EQ(db.scalar("SELECT app FROM svc.seen"), "orchestrate/svc");
  EXPECT_EQ(r.output.find("runs with lock_timeout"), std::string::npos) << r.output;
}

TEST(AlembicShapes, AManifestStatementTimeoutIsMergedIntoEnvPysOptions) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-statement-timeout");
  dir.write("svc/alembic.ini", kIniLoggingOnce);
  dir.write("svc/migrations/env.py", env_py("svc", "", ", connect_args={'options': '-c statement_timeout=30000'}"));
  dir.write("svc/migrations/versions/s1_seen.py", revision("s1", "", record_settings("svc")));
  dir.write("services.toml", manifest(service("svc", "statement_timeout = \"45s\"\n")));
  auto r = up(dir, db);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT statement_timeout FROM svc.seen"), "45s");
}

TEST(AlembicShapes, AFutureEngineThatCommitsItself) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-future");
  dir.write("svc/alembic.ini", kIniLoggingOnce);
  dir.write("svc/migrations/env.py",
            "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, text\n"
            "engine = create_engine(os.environ['DATABASE_URL'], future=True)\n"
            "with engine.connect() as connection:\n"
            "    connection.execute(text('CREATE SCHEMA IF NOT EXISTS svc'))\n"
            "    connection.commit()\n"
            "    context.configure(connection=connection, version_table_schema='svc', transaction_per_migration=True)\n"
            "    context.run_migrations()\n"
            "    connection.commit()\n");
  dir.write("svc/migrations/versions/s1_seen.py", revision("s1", "", record_settings("svc")));
  dir.write("svc/migrations/versions/s2_more.py", revision("s2", "s1", "    op.execute('CREATE TABLE svc.more (i int)')"));
  dir.write("services.toml", manifest(service("svc")));
  auto r = up(dir, db, {"--report", "json:" + (dir.path() / "run.json").string()});
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT lock_timeout FROM svc.seen"), "300ms");
  EXPECT_EQ(db.scalar("SELECT version_num FROM svc.alembic_version"), "s2");
  EXPECT_NE(read_all(dir.path() / "run.json").find("\"applied\": 2"), std::string::npos) << read_all(dir.path() / "run.json");
}

TEST(AlembicShapes, AnAsyncEnvPyOnAsyncpgGetsTheLimitsToo) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-async");
  dir.write("svc/alembic.ini", kIniLoggingOnce);
  // Alembic's `async` template, with asyncpg (not libpq: PGOPTIONS never reaches it).
  dir.write("svc/migrations/env.py",
            "import asyncio, os\nfrom alembic import context\nfrom sqlalchemy import pool, text\n"
            "from sqlalchemy.ext.asyncio import create_async_engine\n\n"
            "def do_run_migrations(connection):\n"
            "    context.configure(connection=connection, version_table_schema='svc')\n"
            "    with context.begin_transaction():\n"
            "        context.execute('CREATE SCHEMA IF NOT EXISTS svc')\n"
            "        context.run_migrations()\n\n"
            "async def run_async_migrations():\n"
            "    url = os.environ['DATABASE_URL'].replace('postgresql://', 'postgresql+asyncpg://', 1)\n"
            "    connectable = create_async_engine(url, poolclass=pool.NullPool,\n"
            "                                      connect_args={'server_settings': {'statement_timeout': '20000'}})\n"
            "    async with connectable.connect() as connection:\n"
            "        await connection.run_sync(do_run_migrations)\n"
            "        await connection.commit()\n"
            "    await connectable.dispose()\n\n"
            "asyncio.run(run_async_migrations())\n");
  dir.write("svc/migrations/versions/s1_seen.py", revision("s1", "", record_settings("svc")));
  dir.write("services.toml", manifest(service("svc")));
  auto r = up(dir, db);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT lock_timeout FROM svc.seen"), "300ms");
  EXPECT_EQ(db.scalar("SELECT statement_timeout FROM svc.seen"), "20s");
  EXPECT_EQ(db.scalar("SELECT app FROM svc.seen"), "orchestrate/svc");
}

TEST(AlembicShapes, CountsComeFromEventsWhetherAlembicLogsTwiceOrNotAtAll) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-logging");
  dir.write("loud/alembic.ini", ini_logging_twice());
  dir.write("loud/migrations/env.py", env_py("loud"));
  three_revisions(dir, "loud", "loud");
  dir.write("quiet/alembic.ini", ini_logging_quiet());
  dir.write("quiet/migrations/env.py", env_py("quiet"));
  three_revisions(dir, "quiet", "quiet");
  dir.write("services.toml", manifest(service("loud") + service("quiet")));
  const auto events = dir.path() / "events.jsonl";
  auto r = run_orchestrate({"--no-dashboard", "--events", events.string(), "up", "--report",
                            "json:" + (dir.path() / "run.json").string()},
                           {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  // Each line is there twice for `loud`, and not at all for `quiet`.
  EXPECT_EQ(count_of(r.output, "Running upgrade a1 -> a2"), 2) << r.output;
  EXPECT_NE(r.output.find("6 migrations applied"), std::string::npos) << r.output;
  std::string ev = read_all(events);
  EXPECT_EQ(count_of(ev, "\"type\":\"migration-applied\""), 6) << ev;
  EXPECT_EQ(count_of(ev, "\"type\":\"migration-applied\",\"service\":\"quiet\""), 3) << ev;
  EXPECT_EQ(count_of(read_all(dir.path() / "run.json"), "\"applied\": 3"), 2) << read_all(dir.path() / "run.json");
}

TEST(AlembicShapes, AFailingRevisionIsNamedWithItsFileLineAndWhatWasRolledBackWithIt) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-failure");
  dir.write("journal/alembic.ini", kIniLoggingOnce);
  dir.write("journal/migrations/env.py", env_py("journal"));
  dir.write("journal/migrations/versions/001_entries.py", revision("001", "", "    op.execute('CREATE TABLE journal.entries (i int)')"));
  dir.write("journal/migrations/versions/002_moods.py", revision("002", "001", "    op.execute('CREATE TABLE journal.moods (i int)')"));
  // Line 13 of the file: the INSERT into a table no revision created.
  dir.write("journal/migrations/versions/003_tags.py",
            revision("003", "002", "    op.execute('CREATE TABLE journal.tags (i int)')\n"
                                   "    op.execute('INSERT INTO journal.mood_tags VALUES (1)')"));
  dir.write("services.toml", manifest(service("journal")));
  auto r = up(dir, db);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("journal/migrations/versions/003_tags.py:13: revision 003: ProgrammingError: relation "
                          "\"journal.mood_tags\" does not exist"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("rolled back with it: 001, 002"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("journal.entries"));
  EXPECT_EQ(r.output.find("Traceback (most recent call last)"), std::string::npos) << "the traceback is for the log\n" << r.output;
  // The whole traceback is in the service's log.
  bool found = false;
  for (auto& e : fs::recursive_directory_iterator(dir.path() / ".orchestrate" / "logs"))
    if (e.path().filename() == "journal.log" && read_all(e.path()).find("Traceback (most recent call last)") != std::string::npos)
      found = true;
  EXPECT_TRUE(found);
}

TEST(AlembicShapes, AServiceThatBreaksItsInterpreterLeavesTheNextOneUntouched) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-poison");
  dir.write("bad/alembic.ini", kIniLoggingOnce);
  // A half-failed import and a monkeypatch of SQLAlchemy, as a broken env.py leaves them.
  dir.write("bad/migrations/env.py",
            "import sqlalchemy, sqlalchemy.orm\n"
            "sqlalchemy.create_engine = None\n"
            "sqlalchemy.orm.declarative_base = None\n"
            "import sys\nsys.modules['sqlalchemy.ext.asyncio'] = None\n"
            "from sqlalchemy.ext.asyncio import async_sessionmaker  # fails: not in SQLAlchemy 1.4\n");
  dir.write("bad/migrations/versions/b1.py", revision("b1", "", "    pass"));
  dir.write("good/alembic.ini", kIniLoggingOnce);
  dir.write("good/migrations/env.py", env_py("good", "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"));
  three_revisions(dir, "good", "good");
  dir.write("services.toml", manifest(service("bad") + service("good", "depends_on = []\n")));
  auto r = up(dir, db, {"-j", "1"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("ModuleNotFoundError"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad/migrations/env.py:6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("set python = \"venv\" | \"poetry\" | PATH for bad"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM good.alembic_version"), "a3") << r.output;
}

TEST(AlembicShapes, ALockQueueThroughConnectArgsNeverHoldsTheApplicationLongerThanTheTimeout) {
  REQUIRE_DATABASE();
  TestDatabase db;
  db.exec("CREATE SCHEMA app; CREATE TABLE app.items (id int); INSERT INTO app.items VALUES (1)");
  TempDir dir("shapes-lockqueue");
  dir.write("svc/alembic.ini", kIniLoggingOnce);
  dir.write("svc/migrations/env.py", env_py("svc", "", ", connect_args={'options': '-c statement_timeout=30000'}"));
  dir.write("svc/migrations/versions/l1_alter.py", revision("l1", "", "    op.execute('ALTER TABLE app.items ADD COLUMN note text')"));
  dir.write("services.toml", manifest(service("svc", "lock_retries = 20\n")));
  // A reader holds ACCESS SHARE for 5 s; the application SELECTs all along.
  OpenTransaction reader(db);
  reader.exec("SELECT count(*) FROM app.items");
  std::atomic<bool> stop{false};
  std::atomic<long> worst_ms{0};
  std::thread app([&] {
    auto conn = db.connect();
    while (!stop) {
      auto t0 = std::chrono::steady_clock::now();
      pqxx::nontransaction(*conn).exec("SELECT count(*) FROM app.items");
      long ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      worst_ms = std::max<long>(worst_ms, ms);
      std::this_thread::sleep_for(50ms);
    }
  });
  Orchestrate run({"--no-dashboard", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  std::this_thread::sleep_for(5s);
  reader.release();
  auto r = run.wait();
  stop = true;
  app.join();
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("lock timeout on revision l1 (waited 300ms for a lock; a lock on app.items is held by pid"),
            std::string::npos)
      << r.output;
  EXPECT_LE(worst_ms.load(), 300 + 500) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'note'"), "1");
}

TEST(AlembicShapes, AnEnvPyListenerThatResetsTheLockTimeoutIsOverruledForEachRevision) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-reset-listener");
  dir.write("svc/alembic.ini", kIniLoggingOnce);
  dir.write("svc/migrations/env.py",
            "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, event, pool\n"
            "engine = create_engine(os.environ['DATABASE_URL'], poolclass=pool.NullPool)\n"
            "@event.listens_for(engine, 'connect')\n"
            "def no_limits(dbapi_connection, record):\n"
            "    cur = dbapi_connection.cursor()\n"
            "    cur.execute('SET lock_timeout = 0')\n"
            "    cur.close()\n"
            "    dbapi_connection.commit()\n"
            "with engine.connect() as connection:\n"
            "    context.configure(connection=connection, version_table_schema='svc')\n"
            "    with context.begin_transaction():\n"
            "        context.execute('CREATE SCHEMA IF NOT EXISTS svc')\n"
            "        context.run_migrations()\n");
  dir.write("svc/migrations/versions/s1_seen.py", revision("s1", "", record_settings("svc")));
  dir.write("services.toml", manifest(service("svc")));
  auto r = up(dir, db);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT lock_timeout FROM svc.seen"), "300ms");
}

TEST(AlembicShapes, CheckSaysTheLockTimeoutIsSatisfiedOnlyWhereItSawIt) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-check-limits");
  for (const std::string name : {"direct", "wrapped"}) {
    dir.write(name + "/alembic.ini", kIniLoggingOnce);
    dir.write(name + "/migrations/env.py", env_py(name, "", ", connect_args={'options': '-c statement_timeout=30000'}"));
    dir.write(name + "/migrations/versions/w1.py", revision("w1", "", "    pass"));
  }
  // Through the driver, and through a wrapper command the driver cannot see into.
  dir.write("services.toml",
            manifest(service("direct") +
                     service("wrapped", "command = [\"sh\", \"-c\", \"exec /usr/bin/python3 -m alembic \\\"$@\\\"\", \"alembic\"]\n")));
  auto r = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(r.output.find("require-lock-timeout is not satisfied for wrapped"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("require-lock-timeout is not satisfied for direct"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("require-lock-timeout is satisfied by orchestrate"), std::string::npos) << r.output;
  // Without the wrapper it is satisfied, because it was seen in force.
  dir.write("services.toml", manifest(service("direct")));
  r = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(r.output.find("(seen in force on every migration connection)"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("direct.alembic_version"));  // `alembic current` changed nothing
}

TEST(AlembicShapes, CheckFailsWhereUpWouldFailWhenEnvPyCannotImportItsApp) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-check-import");
  dir.write("svc/alembic.ini", kIniLoggingOnce);
  dir.write("svc/migrations/env.py", env_py("svc", "from app.settings import Settings  # the app, not installed here\n"));
  dir.write("svc/migrations/versions/w1.py", revision("w1", "", "    pass"));
  dir.write("services.toml", manifest(service("svc")));
  auto r = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("svc/migrations/env.py:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ModuleNotFoundError: No module named 'app'"), std::string::npos) << r.output;
}

TEST(AlembicShapes, TheColdPathAndAPlainCommandCountTheSameWithoutTheZygote) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-cold");
  for (const std::string name : {"cold", "wrapped"}) {
    dir.write(name + "/alembic.ini", ini_logging_quiet());
    dir.write(name + "/migrations/env.py", env_py(name, "", ", connect_args={'options': '-c statement_timeout=30000'}"));
    three_revisions(dir, name, name);
  }
  dir.write("cold/migrations/versions/a4_seen.py", revision("a4", "a3", record_settings("cold")));
  dir.write("services.toml",
            manifest(service("cold") +
                     service("wrapped", "command = [\"sh\", \"-c\", \"exec /usr/bin/python3 -m alembic \\\"$@\\\"\", \"alembic\"]\n")));
  const auto report = dir.path() / "run.json";
  // The driver as its own process (no zygote), and a command the driver cannot run: counts from the graph.
  auto r = run_orchestrate({"--no-dashboard", "up", "--report", "json:" + report.string()},
                           {{"DATABASE_URL", db.url()}, {"ORCHESTRATE_ALEMBIC_WARM", "0"}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT lock_timeout FROM cold.seen"), "300ms");
  EXPECT_EQ(r.output.find("forked from a warm interpreter"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("without orchestrate's driver"), std::string::npos) << r.output;
  std::string json = read_all(report);
  EXPECT_NE(json.find("\"applied\": 4"), std::string::npos) << json;
  EXPECT_NE(json.find("\"applied\": 3"), std::string::npos) << json;
  EXPECT_NE(r.output.find("7 migrations applied"), std::string::npos) << r.output;
}

// Findings F10 and F19 of real trees: an ini in a subdirectory whose script_location is relative to
// where Alembic runs (liza: `alembic -c user/alembic.ini` from the root), and expand/contract
// directories joined by version_path_separator = os (neutron). orchestrate must see the revisions
// Alembic sees: check clean, status pending the right count, up applying them, then at head.
TEST(AlembicShapes, AnIniInASubdirectoryWithOsSeparatedVersionLocationsIsReadAsAlembicReadsIt) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-locations");
  std::string ini = kIniLoggingOnce;
  ini.replace(ini.find("script_location = migrations"), std::string("script_location = migrations").size(),
              "script_location = user/migrations\nversion_path_separator = os\n"
              "version_locations = user/migrations/versions:%(here)s/migrations/expand");
  dir.write("user/alembic.ini", ini);
  dir.write("user/migrations/env.py", env_py("usr"));
  dir.write("user/migrations/versions/b1_t.py", revision("b1", "", "    op.execute('CREATE TABLE usr.t1 (i int)')"));
  dir.write("user/migrations/expand/b2_t.py", revision("b2", "b1", "    op.execute('CREATE TABLE usr.t2 (i int)')"));
  dir.write("services.toml", manifest("\n[services.user]\nschema = \"usr\"\nrunner = \"alembic\"\npath = \".\"\n"
                                      "config = \"user/alembic.ini\"\n"));
  // What Alembic itself sees from the same directory.
  auto heads = run_shell("/usr/bin/python3 -m alembic -c user/alembic.ini heads 2>/dev/null", {}, dir.path());
  ASSERT_NE(heads.output.find("b2 (head)"), std::string::npos) << heads.output;
  auto check = run_orchestrate({"check", "--offline"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_EQ(check.output.find("cannot locate"), std::string::npos) << check.output;
  auto st = run_orchestrate({"status"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_NE(st.output.find("b2"), std::string::npos) << st.output;  // the head, from the expand directory
  auto r = up(dir, db);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT version_num FROM usr.alembic_version"), "b2");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'usr' AND table_name IN ('t1', 't2')"), "2");
  auto again = up(dir, db);
  EXPECT_NE(again.output.find("at head b2 (read from the revision files); Alembic not started"), std::string::npos) << again.output;
}

// Ctrl-C while a revision runs: Alembic had printed its INFO lines, so the report shows them (and the
// log's path), never "no output" (issue 22).
TEST(AlembicShapes, CtrlCDuringARevisionShowsTheServicesLastOutputNotNoOutput) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("shapes-interrupt");
  dir.write("journal_service/alembic.ini", kIniLoggingOnce);
  dir.write("journal_service/migrations/env.py", env_py("journal_service"));
  dir.write("journal_service/migrations/versions/a1_slow.py",
            revision("a1", "", "    op.execute('CREATE TABLE journal_service.t (i int)')\n    op.execute('SELECT pg_sleep(30)')"));
  dir.write("services.toml", manifest(service("journal_service")));
  Orchestrate run({"--no-dashboard", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto [r, took] = signal_when(run, "Running upgrade  -> a1", 500ms, SIGINT);
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_EQ(r.output.find("no output"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("INTERRUPTED journal_service: last output: INFO  [alembic.runtime.migration] Running upgrade  -> a1"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("full output: "), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("journal_service.t"));  // rolled back
}

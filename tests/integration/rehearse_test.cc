// `orchestrate rehearse` on real databases: the real `up` in a shadow copy of the target, what it
// would print, the locks each migration took with the target's own sizes, and a target that is never
// changed; Ctrl-C, a killed rehearsal's leftover, and a shadow on a second PostgreSQL.
#include <csignal>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "harness.h"

using namespace itest;
using namespace std::chrono_literals;

namespace {

// Debian's interpreter, which has Alembic (a pyenv python3 earlier on PATH may not).
std::string header() {
  return "[project]\nname = \"rehearse\"\ndatabase = \"env:DATABASE_URL\"\n\n"
         "[runners.alembic]\ncommand = [\"/usr/bin/python3\", \"-m\", \"alembic\"]\n";
}

std::string sql_service(const std::string& name, const std::string& extra = "") {
  return "\n[services." + name + "]\nschema = \"" + name + "\"\nrunner = \"sql\"\npath = \"" + name + "\"\n" + extra;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// What a rehearsal must leave as it was: the schema as pg_dump writes it, and every version row.
std::string fingerprint(const TestDatabase& db, const std::vector<std::string>& version_tables) {
  auto dump = run_shell("/usr/lib/postgresql/15/bin/pg_dump --schema-only --dbname=\"$URL\"", {{"URL", db.url()}}, ".");
  std::string out;
  for (const auto& line : split_lines(dump.output))  // pg_dump's \restrict key is new every time
    if (line.rfind("\\restrict", 0) != 0 && line.rfind("\\unrestrict", 0) != 0) out += line + "\n";
  for (const auto& t : version_tables) out += "\n" + t + ": " + db.scalar("SELECT string_agg(t::text, ',' ORDER BY t::text) FROM " + t + " t");
  return out;
}

// The shadow database a rehearsal said it restored into.
std::string shadow_named_in(const std::string& output) {
  std::smatch m;
  std::regex re("(orchestrate_rehearsal_[0-9a-z_]+)");
  return std::regex_search(output, m, re) ? m[1].str() : "";
}

bool database_exists(const std::string& name) {
  TestDatabase probe;  // any connection to the server will do
  return probe.scalar("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "1";
}

// orders.orders with 50,000 rows and fresh statistics, applied by `up`.
void applied_orders(const TestDatabase& db, const TempDir& dir, const std::string& extra = "") {
  dir.write("orders/0001_create.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint);\n");
  dir.write("services.toml", header() + extra + sql_service("orders"));
  auto r = run_orchestrate({"up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(r.code, 0) << r.output;
  db.exec("INSERT INTO orders.orders SELECT g, g % 100 FROM generate_series(1, 50000) g");
  db.exec("ANALYZE orders.orders");
}

// An Alembic project in app/ whose env.py connects through DATABASE_URL and configures nothing else.
void write_plain_alembic_project(const TempDir& dir) {
  dir.write("app/alembic.ini", "[alembic]\nscript_location = migrations\n");
  dir.write("app/migrations/env.py", "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, pool\n"
                                     "engine = create_engine(os.environ['DATABASE_URL'], poolclass=pool.NullPool)\n"
                                     "with engine.connect() as connection:\n    context.configure(connection=connection)\n"
                                     "    with context.begin_transaction():\n        context.run_migrations()\n");
}

}  // namespace

TEST(Rehearse, OnlineFailureThatCheckMissesExitsThreeWithUpsErrorAndTheTargetIsUnchanged) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-fail");
  applied_orders(db, dir);
  std::string fixture = (source_dir() / "tests" / "fixtures" / "failing_alembic").string();
  dir.write("services.toml", header() + sql_service("orders") + "\n[services.broken]\nschema = \"broken\"\nrunner = \"alembic\"\npath = \"" +
                                 fixture + "\"\n");
  auto check = run_orchestrate({"check"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(check.code, 0) << check.output;  // offline mode renders the INSERT happily
  const std::string before = fingerprint(db, {"orders.orchestrate_migrations"});

  auto r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  const std::string error = "failing_alembic/migrations/versions/bb02_fill_vouchers.py:15: revision bb02: ProgrammingError: "
                            "relation \"vouchers_that_do_not_exist\" does not exist";
  EXPECT_NE(r.output.find(error), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rehearse: `up` would FAIL on default"), std::string::npos) << r.output;
  EXPECT_EQ(fingerprint(db, {"orders.orchestrate_migrations"}), before);
  EXPECT_FALSE(db.table_exists("broken.alembic_version"));
  std::string shadow = shadow_named_in(r.output);
  ASSERT_FALSE(shadow.empty()) << r.output;
  EXPECT_FALSE(database_exists(shadow));

  // `up` then prints the very same error.
  auto up = run_orchestrate({"--no-dashboard", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_NE(up.output.find(error), std::string::npos) << up.output;
}

TEST(Rehearse, ReportsEachMigrationsLocksWithTheTargetsRowCountAndDenyMakesItAFailure) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-locks");
  applied_orders(db, dir);
  dir.write("orders/0002_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
  dir.write("orders/0003_index.sql", "CREATE INDEX orders_customer ON orders (customer);\n");
  auto r = run_orchestrate({"--no-dashboard", "rehearse", "--report", "json:r.json", "--report", "markdown:r.md", "--report",
                            "junit:r.xml"},
                           {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  // The reports say it was a rehearsal, with each lock as data.
  auto report = nlohmann::json::parse(read_all(dir.path() / "r.json"));
  EXPECT_EQ(report["kind"], "rehearsal");
  EXPECT_EQ(report["rehearsal"]["verdict"], "would-succeed");
  ASSERT_EQ(report["services"][0]["locks"].size(), 2u) << report.dump(2);
  const auto& lock = report["services"][0]["locks"][0];
  EXPECT_EQ(lock["migration"], "orders/0002_note.sql");
  EXPECT_EQ(lock["relation"], "orders.orders");
  EXPECT_EQ(lock["mode"], "AccessExclusiveLock");
  EXPECT_EQ(lock["target_rows"], 50000);
  EXPECT_EQ(lock["finding"], true);
  EXPECT_EQ(report["services"][0]["locks"][1]["mode"], "ShareLock");
  std::string md = read_all(dir.path() / "r.md");
  EXPECT_EQ(md.find("### orchestrate rehearse on default: `up` would succeed"), 0u) << md;
  EXPECT_NE(md.find("| `orders/0003_index.sql` | ShareLock | orders.orders | ~50k rows, "), std::string::npos) << md;
  EXPECT_NE(read_all(dir.path() / "r.xml").find("<testsuite name=\"rehearse.rehearse.default\""), std::string::npos);
  EXPECT_NE(r.output.find("orders/0002_note.sql takes AccessExclusiveLock on orders.orders (~50k rows, "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("on default): blocks reads and writes until its transaction commits [access-exclusive-on-large-table]"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("orders/0003_index.sql takes ShareLock on orders.orders (~50k rows, "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("orchestrate_migrations ("), std::string::npos) << r.output;  // the ledger's own row is not reported
  EXPECT_FALSE(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'") == "1");

  dir.write("services.toml", header() + "\n[lint]\ndeny = [\"access-exclusive-on-large-table\"]\n" + sql_service("orders"));
  r = run_orchestrate({"--no-dashboard", "rehearse", "--report", "json:denied.json"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("[access-exclusive-on-large-table, denied by [lint] deny]"), std::string::npos) << r.output;
  EXPECT_EQ(nlohmann::json::parse(read_all(dir.path() / "denied.json"))["rehearsal"]["verdict"], "denied-lock");
  // `up` itself would not fail: the verdict says what does.
  EXPECT_NE(r.output.find("rehearse: `up` itself would succeed on default, but a migration takes a lock that [lint] deny "
                          "forbids (above); exit 3"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("would FAIL"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orders.orchestrate_migrations"), "1");
}

// pg_dump queued behind a session's ACCESS EXCLUSIVE lock would block the target's readers too: it waits at
// most lock_timeout and the rehearsal names the session in the way.
TEST(Rehearse, ATableLockOnTheTargetIsNamedInsteadOfWaitedBehind) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-locked");
  applied_orders(db, dir);
  dir.write("orders/0002_x.sql", "SELECT 1;\n");
  auto holder = db.connect();
  pqxx::work tx(*holder);
  tx.exec("LOCK TABLE orders.orders IN ACCESS EXCLUSIVE MODE");
  auto r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("pg_dump waited 2.0s for a table lock: a lock on orders.orders is held by pid " +
                          std::to_string(holder->backendpid())),
            std::string::npos)
      << r.output;
  tx.abort();
}

// The shadow's server is not the target: a bad --shadow-url is a usage error, an unreachable one is named.
TEST(Rehearse, AShadowUrlThatIsNotAUrlIsUsageAndAnUnreachableOneIsNamedAsTheShadows) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-bad-shadow");
  applied_orders(db, dir);
  auto r = run_orchestrate({"--no-dashboard", "rehearse", "--shadow-url", "notaurl"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--shadow-url: rehearse needs the database as a postgresql:// URL"), std::string::npos) << r.output;
  r = run_orchestrate({"--no-dashboard", "rehearse", "--shadow-url", "postgresql://u:pw-not-shown@127.0.0.1:1/postgres"},
                      {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("error: postgresql://u:***@127.0.0.1:1/postgres: cannot connect to the shadow's server: "),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("cannot read the target"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("pw-not-shown"), std::string::npos) << r.output;
}

// A search_path set on the database (ALTER DATABASE … SET) decides where Alembic finds its version table;
// pg_dump does not carry it, so the rehearsal sets it on the shadow: the verdict is the one `up` gives.
TEST(Rehearse, TheTargetsDatabaseSettingsHoldInTheShadow) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-settings");
  db.exec("ALTER DATABASE " + db.name() + " SET search_path = app, public");
  write_plain_alembic_project(dir);
  dir.write("app/migrations/versions/a1_songs.py", "revision = 'a1'\ndown_revision = None\nfrom alembic import op\n\n\n"
                                                    "def upgrade():\n    op.execute('CREATE TABLE songs (id int)')\n");
  dir.write("services.toml", header() + "\n[services.app]\nschema = \"app\"\nrunner = \"alembic\"\npath = \"app\"\n"
                                        "version_table = \"app.alembic_version\"\n");
  db.exec("CREATE SCHEMA app");
  auto up = run_orchestrate({"--no-dashboard", "up"}, {{"DATABASE_URL", db.url()}}, dir.path());
  ASSERT_EQ(up.code, 0) << up.output;
  ASSERT_TRUE(db.table_exists("app.alembic_version"));
  dir.write("app/migrations/versions/a2_year.py", "revision = 'a2'\ndown_revision = 'a1'\nfrom alembic import op\n\n\n"
                                                   "def upgrade():\n    op.execute('ALTER TABLE songs ADD COLUMN year int')\n");
  auto r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("rehearse: `up` would succeed on default"), std::string::npos) << r.output;
}

TEST(Rehearse, CtrlCExitsOneThirtyAndLeavesNoShadow) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-int");
  applied_orders(db, dir);
  dir.write("orders/0002_slow.sql", "SELECT pg_sleep(30);\n");
  Orchestrate run({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  auto [r, took] = signal_when(run, "applying 0002_slow.sql", 500ms, SIGINT);
  EXPECT_EQ(r.code, 130) << r.output;
  EXPECT_LT(took, 15s);
  EXPECT_EQ(r.output.find("run `orchestrate up` again"), std::string::npos) << r.output;
  std::string shadow = shadow_named_in(r.output);
  ASSERT_FALSE(shadow.empty()) << r.output;
  EXPECT_FALSE(database_exists(shadow));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orders.orchestrate_migrations"), "1");
}

TEST(Rehearse, AKilledRehearsalsShadowIsDroppedByTheNext) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-kill");
  applied_orders(db, dir);
  dir.write("orders/0002_slow.sql", "SELECT pg_sleep(30);\n");
  std::string shadow;
  {
    Orchestrate run({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
    auto [r, took] = signal_when(run, "applying 0002_slow.sql", 300ms, SIGKILL);
    shadow = shadow_named_in(r.output);
  }
  ASSERT_FALSE(shadow.empty());
  // The killed run's sessions end within a second: the executor sets client_connection_check_interval.
  for (int i = 0; i < 50 && database_exists(shadow); ++i) {
    TestDatabase probe;
    if (probe.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + shadow + "'") == "0") break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(database_exists(shadow));
  dir.write("orders/0002_slow.sql", "SELECT 1;\n");
  auto r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}, {"ORCHESTRATE_REHEARSAL_STALE_AFTER", "0s"}},
                           dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("dropped " + shadow + ", left on "), std::string::npos) << r.output;
  EXPECT_FALSE(database_exists(shadow));

  // One kept with --keep is the user's: the next rehearsal leaves it alone.
  r = run_orchestrate({"--no-dashboard", "rehearse", "--keep"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  const std::string kept = shadow_named_in(r.output);
  EXPECT_NE(r.output.find("kept the shadow database: "), std::string::npos) << r.output;
  r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}, {"ORCHESTRATE_REHEARSAL_STALE_AFTER", "0s"}},
                      dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("dropped " + kept), std::string::npos) << r.output;
  EXPECT_TRUE(database_exists(kept));
  db.exec("DROP DATABASE IF EXISTS " + kept);
}

TEST(Rehearse, ShadowUrlPutsTheShadowOnASecondServerAndNamesWhatItLacks) {
  REQUIRE_DATABASE();
  TempDir state("rehearse-pg2");
  std::map<std::string, std::string> env2 = {{"ORCHESTRATE_PG_STATE", (state.path() / "pg2.env").string()}};
  auto started = run_shell("\"$SRC\"/scripts/dev-postgres.sh start 2>/dev/null", {{"SRC", source_dir().string()}, {"ORCHESTRATE_PG_STATE", env2.begin()->second}}, ".");
  ASSERT_EQ(started.code, 0) << started.output;
  std::string second = started.output.substr(0, started.output.find('\n'));
  struct Stop {
    std::string state, src;
    ~Stop() { run_shell("\"$SRC\"/scripts/dev-postgres.sh stop", {{"SRC", src}, {"ORCHESTRATE_PG_STATE", state}}, "."); }
  } stop{env2.begin()->second, source_dir().string()};

  TestDatabase db;
  TempDir dir("rehearse-shadow-url");
  applied_orders(db, dir);
  dir.write("orders/0002_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
  // rolname is of type name, always in C order: this one comes first of at most eight shown.
  db.exec("DO $$BEGIN CREATE ROLE \"AAA_rehearse_only_here\"; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$");
  auto r = run_orchestrate({"--no-dashboard", "rehearse", "--shadow-url", second}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  // Not needed by the copy, but a migration naming it would fail there: said before the run.
  EXPECT_NE(r.output.find("note: roles of default's server that postgresql://postgres@127.0.0.1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("lacks: AAA_rehearse_only_here"), std::string::npos) << r.output;
  std::string port = second.substr(second.rfind(':') + 1, second.rfind('/') - second.rfind(':') - 1);
  EXPECT_NE(r.output.find("into " + shadow_named_in(r.output) + " on postgresql://postgres@127.0.0.1:" + port + "/"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(~50k rows, "), std::string::npos) << r.output;  // sizes still come from the target
  auto left = run_shell("/usr/lib/postgresql/15/bin/psql -Atc \"SELECT count(*) FROM pg_database WHERE datname LIKE 'orchestrate_rehearsal_%'\" \"$URL\"",
                        {{"URL", second}}, ".");
  EXPECT_EQ(left.output, "0\n") << left.output;

  // On a throwaway server a role change is the rehearsal's own: it runs, and the target's server has no such role.
  dir.write("orders/0003_role.sql", "CREATE ROLE rehearse_second_only NOLOGIN;\n");
  r = run_orchestrate({"--no-dashboard", "rehearse", "--shadow-url", second}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'rehearse_second_only'"), "0");
  fs::remove(dir.path() / "orders/0003_role.sql");

  // A role the target's GRANTs name and the second server lacks: said before anything is restored.
  db.exec("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rehearse_reader') THEN CREATE ROLE rehearse_reader; END IF; END$$");
  db.exec("GRANT SELECT ON orders.orders TO rehearse_reader");
  r = run_orchestrate({"--no-dashboard", "rehearse", "--shadow-url", second}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot hold a copy of target default: role rehearse_reader does not exist there"), std::string::npos)
      << r.output;
  db.exec("REVOKE SELECT ON orders.orders FROM rehearse_reader");
}

// Roles are the server's, not the database's: in a shadow on the target's own server a role change would
// be real. The migration is failed before it commits, the role stays as it was, and the rehearsal exits 1.
TEST(Rehearse, AMigrationThatChangesTheServersRolesIsRolledBackOnTheTargetsServer) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-roles");
  applied_orders(db, dir);
  db.exec("DO $$BEGIN CREATE ROLE rehearse_app LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$");
  db.exec("ALTER ROLE rehearse_app LOGIN");
  dir.write("orders/0002_lock_out.sql", "ALTER ROLE rehearse_app NOLOGIN;\n");
  auto r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("orders/0002_lock_out.sql: it changes what every database of the server shares (pg_authid)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("cannot rehearse orders on the target's own server"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = 'rehearse_app'"), "true");
  EXPECT_FALSE(database_exists(shadow_named_in(r.output)));

  // The same server under another URL is still the target's own: known by the server, not the string.
  std::string alias = db.url();
  alias.replace(alias.find("127.0.0.1"), 9, "localhost");
  alias = alias.substr(0, alias.rfind('/')) + "/postgres";
  r = run_orchestrate({"--no-dashboard", "rehearse", "--shadow-url", alias}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("is the target's own server (the same PostgreSQL instance)"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = 'rehearse_app'"), "true");

  // A GRANT on the target's database drops its catalogue lock at once: its row is read instead.
  const std::string acl = "SELECT coalesce(datacl::text, '') FROM pg_database WHERE datname = current_database()";
  const std::string acl_before = db.scalar(acl);
  dir.write("orders/0002_lock_out.sql", "GRANT CONNECT ON DATABASE " + db.name() + " TO rehearse_app;\n");
  r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("shares (pg_database)"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar(acl), acl_before);

  // A no-transaction file commits statement by statement: its statements are judged before they run.
  dir.write("orders/0002_lock_out.sql", "-- orchestrate:no-transaction\nALTER ROLE rehearse_app NOLOGIN;\n");
  r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("line 2: ALTER ROLE would commit by itself (the file runs without a transaction)"), std::string::npos)
      << r.output;
  EXPECT_EQ(db.scalar("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = 'rehearse_app'"), "true");

  // The same through Alembic's driver: the revision's transaction is rolled back before the role exists.
  db.exec("DROP ROLE IF EXISTS rehearse_reporting");
  write_plain_alembic_project(dir);
  dir.write("app/migrations/versions/a1_role.py", "revision = 'a1'\ndown_revision = None\nfrom alembic import op\n\n\n"
                                                   "def upgrade():\n    op.execute('CREATE ROLE rehearse_reporting NOLOGIN')\n");
  dir.write("services.toml", header() + "\n[services.app]\nschema = \"app\"\nrunner = \"alembic\"\npath = \"app\"\n"
                                        "version_table = \"public.alembic_version\"\n");
  r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("revision a1: ServerObjectsChanged: it changes what every database of the server shares (pg_authid)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'rehearse_reporting'"), "0");

  // Alembic's autocommit_block commits each statement at once: its text is judged before it runs.
  dir.write("app/migrations/versions/a1_role.py", "revision = 'a1'\ndown_revision = None\nfrom alembic import op\n\n\n"
                                                   "def upgrade():\n    with op.get_context().autocommit_block():\n"
                                                   "        op.execute('ALTER ROLE rehearse_app NOLOGIN')\n");
  r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("ServerObjectsChanged: ALTER ROLE would commit by itself (an autocommit block)"), std::string::npos)
      << r.output;
  EXPECT_EQ(db.scalar("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = 'rehearse_app'"), "true");
}

TEST(Rehearse, TheExamplesRlsPhaseIsRehearsedWithItsCoverage) {
  REQUIRE_DATABASE();
  TestDatabase db;
  // The example's users service creates these roles when they are missing; on a production server they
  // exist (on a server without them the rehearsal refuses, as above).
  for (const char* role : {"authenticated", "service_role"})
    db.exec(std::string("DO $$BEGIN CREATE ROLE ") + role + " NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$");
  auto r = run_orchestrate({"--no-dashboard", "rehearse"}, {{"DATABASE_URL", db.url()}}, source_dir());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("rehearse: `up` would succeed on default"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("RLS phase applied: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("RLS verified: all 12 tables in users, habits, journal, meals, movements, practices have RLS enabled"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(db.table_exists("users.alembic_version"));  // the target itself is untouched
}

TEST(Rehearse, RoundtripReportsADowngradeThatForgetsAColumnWithTheSchemaDifference) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-roundtrip");
  applied_orders(db, dir);
  dir.write("orders/0002_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
  dir.write("orders/0002_note.down.sql", "SELECT 1;  -- forgets to drop the column\n");
  auto r = run_orchestrate({"--no-dashboard", "rehearse", "--roundtrip"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("roundtrip: orders: downgrading orders/0002_note.sql does not restore schema orders as it was"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("+     note text"), std::string::npos) << r.output;
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orders.orchestrate_migrations"), "1");

  dir.write("orders/0002_note.down.sql", "ALTER TABLE orders DROP COLUMN note;\n");
  r = run_orchestrate({"--no-dashboard", "rehearse", "--roundtrip"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("\nroundtrip: "), std::string::npos) << r.output;
}

// A first deploy of an Alembic service whose version table is in the schema it compares: the empty
// version table a downgrade to base leaves is not a schema that failed to come back. A downgrade that
// changes the server's roles is refused as an upgrade is.
TEST(Rehearse, RoundtripOfAFirstDeployIgnoresTheVersionTableAndGuardsDowngrades) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-roundtrip-first");
  db.exec("DO $$BEGIN CREATE ROLE rehearse_app LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$");
  db.exec("ALTER ROLE rehearse_app LOGIN");
  write_plain_alembic_project(dir);
  const std::string revision = "revision = 'a1'\ndown_revision = None\nfrom alembic import op\n\n\n"
                               "def upgrade():\n    op.execute('CREATE TABLE public.songs (id int)')\n\n\n"
                               "def downgrade():\n    op.execute('DROP TABLE public.songs')\n";
  dir.write("app/migrations/versions/a1_songs.py", revision);
  dir.write("services.toml", header() + "\n[services.app]\nschema = \"public\"\nrunner = \"alembic\"\npath = \"app\"\n"
                                        "version_table = \"public.alembic_version\"\n");
  auto r = run_orchestrate({"--no-dashboard", "rehearse", "--roundtrip"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("\nroundtrip: "), std::string::npos) << r.output;

  dir.write("app/migrations/versions/a1_songs.py",
            revision + "    op.execute('ALTER ROLE rehearse_app NOLOGIN')  # not the migration's to undo\n");
  r = run_orchestrate({"--no-dashboard", "rehearse", "--roundtrip"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 1) << r.output;  // not the revisions' fault: the rehearsal cannot run it here
  EXPECT_NE(r.output.find("roundtrip: app: downgrade of "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cannot rehearse the roundtrip on the target's own server"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ServerObjectsChanged: it changes what every database of the server shares (pg_authid)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(db.scalar("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = 'rehearse_app'"), "true");
  EXPECT_FALSE(db.table_exists("public.songs"));
}

TEST(Rehearse, UpRehearseWithAFailingRehearsalChangesNothing) {
  REQUIRE_DATABASE();
  TestDatabase db;
  TempDir dir("rehearse-up");
  applied_orders(db, dir);
  dir.write("orders/0002_fine.sql", "CREATE TABLE fine (id int);\n");
  dir.write("orders/0003_bad.sql", "ALTER TABLE orders ADD COLUMN customer int;  -- it exists already\n");
  auto r = run_orchestrate({"--no-dashboard", "up", "--rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("0003_bad.sql"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("up --rehearse: the rehearsal did not pass (exit 3); nothing was changed"), std::string::npos) << r.output;
  EXPECT_FALSE(db.table_exists("orders.fine"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM orders.orchestrate_migrations"), "1");

  dir.write("orders/0003_bad.sql", "ALTER TABLE orders ADD COLUMN total numeric;\n");
  r = run_orchestrate({"--no-dashboard", "up", "--rehearse"}, {{"DATABASE_URL", db.url()}}, dir.path());
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(db.table_exists("orders.fine"));
}

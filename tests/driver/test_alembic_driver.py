"""Tests of orchestrate's Alembic driver (plugins/alembic/driver/orchestrate_alembic_driver.py) on its own,
with Debian's Alembic and SQLAlchemy. The zygote tests drive the real protocol (a SOCK_SEQPACKET socket,
three descriptors per job) the way orchestrate does; with ORCHESTRATE_TEST_ADMIN_URL they also run
migrations against a real PostgreSQL.

    /usr/bin/python3 -m unittest discover -s tests/driver -v
"""

import array
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "..", "..", "plugins", "alembic", "driver", "orchestrate_alembic_driver.py")
BOOTSTRAP = (
    "import sys; src = sys.stdin.buffer.read(); "
    "exec(compile(src, '<orchestrate alembic driver>', 'exec'), {'__name__': '__orchestrate_driver__'})"
)


def load_driver():
    spec = importlib.util.spec_from_file_location("orchestrate_alembic_driver", DRIVER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


driver = load_driver()
ADMIN_URL = os.environ.get("ORCHESTRATE_TEST_ADMIN_URL")


class MergeConnectParams(unittest.TestCase):
    def test_libpq_options_keep_theirs_and_ours_win(self):
        cparams = {"options": "-c statement_timeout=30000 -c lock_timeout=0"}
        driver.merge_connect_params("psycopg2", cparams, {"lock_timeout": "2000ms"}, None)
        self.assertEqual(cparams["options"], "-c statement_timeout=30000 -c lock_timeout=0 -c lock_timeout=2000ms")

    def test_libpq_options_when_env_py_passes_none(self):
        cparams = {}
        driver.merge_connect_params("psycopg2", cparams, {"lock_timeout": "2000ms", "statement_timeout": "60000ms"}, None)
        self.assertEqual(cparams["options"], "-c lock_timeout=2000ms -c statement_timeout=60000ms")

    def test_asyncpg_server_settings_are_merged(self):
        cparams = {"server_settings": {"statement_timeout": "30000", "lock_timeout": "0"}}
        driver.merge_connect_params("asyncpg", cparams, {"lock_timeout": "2000ms"}, "orchestrate/x")
        self.assertEqual(
            cparams["server_settings"],
            {"statement_timeout": "30000", "lock_timeout": "2000ms", "application_name": "orchestrate/x"},
        )

    def test_statement_timeout_off_leaves_env_py_alone(self):
        limits = driver.Limits({"lock_timeout_ms": 2000, "statement_timeout_ms": None})
        self.assertEqual(limits.settings(), {"lock_timeout": "2000ms"})


class ServerWideStatements(unittest.TestCase):
    """An autocommit block in a rehearsal on the target's own server: judged before it runs."""

    def test_roles_databases_and_do_blocks_are_server_wide(self):
        for sql in ("ALTER ROLE app NOLOGIN", "  -- why\n create role r", "GRANT reader TO app", "REVOKE reader FROM app",
                    "grant connect on database prod to app", "ALTER SYSTEM SET work_mem = '8MB'",
                    "COMMENT ON ROLE app IS 'x'", "DO $$ BEGIN NULL; END $$", "CREATE USER mapping_admin",
                    "REASSIGN OWNED BY a TO b", "DROP OWNED BY a"):
            self.assertIsNotNone(driver.server_wide_statement(sql), sql)

    def test_tables_indexes_and_user_mappings_are_not(self):
        for sql in ("GRANT SELECT ON t TO app", "CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE USER MAPPING FOR app SERVER s",
                    "COMMENT ON TABLE t IS 'role'", "ALTER TABLE t OWNER TO app"):
            self.assertIsNone(driver.server_wide_statement(sql), sql)


class TargetCheck(unittest.TestCase):
    """env.py's connection is compared with the target server-side; without a reference connection, with the
    URL's database name only."""

    SEEN = {"database": "other", "host": "127.0.0.1", "port": 5433, "server_port": "5433", "started": "1.5"}

    def target(self, identity):
        t = driver.Target("postgresql://u:secret@127.0.0.1:5432/app")
        t.identity = identity
        return t

    def test_another_database_is_named_with_host_and_port_never_the_password(self):
        ref = dict(self.SEEN, database="app", port=5432, server_port="5432", started="9.0")
        problem = self.target(ref).mismatch(self.SEEN)
        self.assertEqual(problem, "env.py connected to other on 127.0.0.1:5433, not to the target app on 127.0.0.1:5432")
        self.assertNotIn("secret", problem)

    def test_the_same_server_through_a_proxy_is_the_target(self):
        seen = dict(self.SEEN, database="app", host="10.0.0.9", port=6432)
        self.assertIsNone(self.target(dict(self.SEEN, database="app")).mismatch(seen))

    def test_without_a_reference_connection_the_database_name_decides(self):
        self.assertIn("not to the target app", self.target({}).mismatch(self.SEEN))
        self.assertIsNone(self.target({}).mismatch(dict(self.SEEN, database="app")))


class VersionTableCheck(unittest.TestCase):
    class Ctx:
        as_sql = False
        connection = None

        def __init__(self, table, schema):
            self.version_table, self.version_table_schema = table, schema

    class Sink:
        def __init__(self):
            self.seen = []

        def emit(self, type_, **fields):
            self.seen.append((type_, fields))

    def tearDown(self):
        driver.VERSION_TABLE.clear()

    def test_another_schema_fails_with_the_manifest_line_to_write(self):
        driver.VERSION_TABLE.update({"schema": "svc", "table": "alembic_version"})
        with self.assertRaises(driver.VersionTableMismatch) as cm:
            driver.check_version_table(self.Ctx("alembic_version", "public"), self.Sink())
        self.assertIn("orchestrate reads svc.alembic_version", str(cm.exception))
        self.assertIn('version_table = "public.alembic_version"', cm.exception.hint)

    def test_the_same_table_passes_and_is_reported(self):
        driver.VERSION_TABLE.update({"schema": "svc", "table": "alembic_version"})
        sink = self.Sink()
        driver.check_version_table(self.Ctx("alembic_version", "svc"), sink)
        self.assertEqual(sink.seen[0][0], "version-table")


class Failures(unittest.TestCase):
    def test_sqlstate_is_found_through_the_wrapping(self):
        class Orig(Exception):
            pgcode = "55P03"

        class Wrapped(Exception):
            def __init__(self):
                super().__init__("wrapped")
                self.orig = Orig("canceling statement due to lock timeout")

        self.assertEqual(driver.sqlstate_of(Wrapped()), "55P03")
        self.assertIsNone(driver.sqlstate_of(ValueError("x")))

    def test_missing_module_is_named(self):
        try:
            import definitely_not_a_module_xyz  # noqa: F401
        except ImportError as e:
            self.assertEqual(driver._missing_module(e), "definitely_not_a_module_xyz")


def make_project(root, revisions, env_py=None, ini_extra=""):
    """An Alembic project in `root`: alembic.ini, migrations/env.py, one file per revision."""
    os.makedirs(os.path.join(root, "migrations", "versions"))
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = migrations\nprepend_sys_path = .\n" + ini_extra)
    with open(os.path.join(root, "migrations", "env.py"), "w") as f:
        f.write(env_py or textwrap.dedent(
            """
            import os
            from alembic import context
            from sqlalchemy import create_engine, pool
            engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
            schema = os.environ.get("SCHEMA", "public")
            with engine.connect() as connection:
                context.configure(connection=connection, version_table_schema=schema)
                with context.begin_transaction():
                    context.execute("CREATE SCHEMA IF NOT EXISTS " + schema)
                    context.run_migrations()
            """))
    for rev, down, body in revisions:
        with open(os.path.join(root, "migrations", "versions", rev + ".py"), "w") as f:
            f.write('"""%s"""\nfrom alembic import op\nrevision = %r\ndown_revision = %r\n\ndef upgrade():\n%s\n'
                    % (rev, rev, down, textwrap.indent(body, "    ")))


def _fd_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


class Zygote:
    """The zygote as orchestrate runs it: source on stdin, control socket on descriptor 3."""

    def __init__(self, python=sys.executable, env=None):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        # The zygote's end must be its descriptor 3: put it there, and keep it open across exec.
        saved = os.dup(3) if _fd_open(3) else None
        os.dup2(theirs.fileno(), 3)
        try:
            self.proc = subprocess.Popen([python, "-c", BOOTSTRAP, "zygote"], stdin=subprocess.PIPE, pass_fds=(3,),
                                         cwd="/", env=env)
        finally:
            if saved is not None:
                os.dup2(saved, 3)
                os.close(saved)
            else:
                os.close(3)
        theirs.close()
        with open(DRIVER, "rb") as f:
            self.proc.stdin.write(f.read())
        self.proc.stdin.close()

    def run(self, spec, timeout=60):
        pipes = [os.pipe() for _ in range(3)]
        socket.send_fds(self.control, [json.dumps(spec).encode()], [w for _, w in pipes])
        for _, w in pipes:
            os.close(w)
        out = [b"", b"", b""]
        deadline = time.monotonic() + timeout
        for i, (r, _) in enumerate(pipes):
            chunks = []
            while time.monotonic() < deadline:
                data = os.read(r, 65536)
                if not data:
                    break
                chunks.append(data)
            os.close(r)
            out[i] = b"".join(chunks).decode()
        events = [json.loads(line) for line in out[2].splitlines() if line.strip()]
        return out[0], out[1], events

    def close(self):
        self.control.close()
        self.proc.wait(timeout=30)


@unittest.skipUnless(ADMIN_URL, "needs ORCHESTRATE_TEST_ADMIN_URL (a PostgreSQL to create databases in)")
class ZygoteJobs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import psycopg2

        cls.db = "driver_" + uuid.uuid4().hex[:8]
        conn = psycopg2.connect(ADMIN_URL)
        conn.autocommit = True
        conn.cursor().execute('CREATE DATABASE "%s"' % cls.db)
        conn.close()
        base = ADMIN_URL.rsplit("/", 1)[0]
        cls.url = base + "/" + cls.db
        cls.zygote = Zygote()

    @classmethod
    def tearDownClass(cls):
        import psycopg2

        cls.zygote.close()
        conn = psycopg2.connect(ADMIN_URL)
        conn.autocommit = True
        conn.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % cls.db)
        conn.close()

    def job(self, root, schema, argv=("upgrade", "head")):
        env = {"DATABASE_URL": self.url, "SCHEMA": schema, "PGAPPNAME": "orchestrate/" + schema}
        spec = {"cwd": root, "argv": ["-c", "alembic.ini"] + list(argv), "env": env,
                "limits": {"lock_timeout_ms": 1500, "statement_timeout_ms": None}}
        return self.zygote.run(spec)

    def test_revisions_are_events_and_limits_are_in_force_whatever_env_py_passes(self):
        with tempfile.TemporaryDirectory() as root:
            env_py = textwrap.dedent(
                """
                import os
                from alembic import context
                from sqlalchemy import create_engine, pool
                # "pgbouncer compatibility": libpq's options replace PGOPTIONS altogether
                engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool,
                                       connect_args={"options": "-c statement_timeout=30000"})
                with engine.connect() as connection:
                    context.configure(connection=connection, version_table_schema="a")
                    with context.begin_transaction():
                        context.execute("CREATE SCHEMA IF NOT EXISTS a")
                        context.run_migrations()
                """)
            make_project(root, [("r1", None, "op.execute('CREATE TABLE a.t1 (i int)')"),
                                ("r2", "r1", "op.execute('CREATE TABLE a.t2 (i int)')")], env_py=env_py)
            out, err, events = self.job(root, "a")
            types = [e["type"] for e in events]
            self.assertEqual(types[0], "job-started", events)
            self.assertLess(events[0]["fork_ms"], 1000)
            conn = [e for e in events if e["type"] == "connection"]
            self.assertTrue(conn and all(c["limits_in_force"] for c in conn), conn)
            self.assertEqual(conn[0]["lock_timeout_ms"], 1500)
            self.assertEqual(conn[0]["statement_timeout_ms"], 30000)  # theirs, since ours is "off"
            applied = [e["revision"] for e in events if e["type"] == "revision-applied"]
            self.assertEqual(applied, ["r1", "r2"])
            self.assertFalse(any("locks" in e for e in events), events)  # only when the job asks (rehearse)
            self.assertEqual(events[-1], {"type": "exit", "code": 0, "signal": None})

    def test_rehearse_gets_each_revisions_table_locks_read_before_its_commit(self):
        import psycopg2

        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        conn.cursor().execute("CREATE SCHEMA IF NOT EXISTS lk; CREATE TABLE IF NOT EXISTS lk.items (i int)")
        conn.close()
        # As orchestrate sends it (orchestrator/db/held_locks.cc): this backend's granted table locks.
        locks_sql = ("SELECT n.nspname, c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                     "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() "
                     "AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p', 'm') "
                     "AND n.nspname !~ '^pg_' ORDER BY 1, 2, 3")
        with tempfile.TemporaryDirectory() as root:
            make_project(root, [("k1", None, "op.execute('CREATE INDEX items_i ON lk.items (i)')"),
                                ("k2", "k1", "op.execute('ALTER TABLE lk.items ADD COLUMN j int')")])
            env = {"DATABASE_URL": self.url, "SCHEMA": "lk", "PGAPPNAME": "orchestrate/lk"}
            spec = {"cwd": root, "argv": ["-c", "alembic.ini", "upgrade", "head"], "env": env,
                    "limits": {"lock_timeout_ms": 1500, "statement_timeout_ms": None}, "relation_locks_sql": locks_sql}
            out, err, events = self.zygote.run(spec)
            applied = {e["revision"]: e for e in events if e["type"] == "revision-applied"}
            self.assertEqual(sorted(applied), ["k1", "k2"], events)
            self.assertIn(["lk", "items", "ShareLock"], applied["k1"]["locks"])
            # One transaction for both: k2 reports what it added, not k1's lock again.
            self.assertIn(["lk", "items", "AccessExclusiveLock"], applied["k2"]["locks"])
            self.assertNotIn(["lk", "items", "ShareLock"], applied["k2"]["locks"])

    def test_a_failing_revision_names_its_file_and_line_and_what_ran_with_it(self):
        with tempfile.TemporaryDirectory() as root:
            make_project(root, [("f1", None, "op.execute('CREATE TABLE public.f1 (i int)')"),
                                ("f2", "f1", "x = 1\nop.execute('INSERT INTO public.nope VALUES (1)')")])
            out, err, events = self.job(root, "public")
            failure = [e for e in events if e["type"] == "failure"]
            self.assertEqual(len(failure), 1, events)
            f = failure[0]
            self.assertEqual(f["revision"], "f2")
            self.assertEqual(f["file"], os.path.join("migrations", "versions", "f2.py"))
            self.assertEqual(f["line"], 8)
            self.assertEqual(f["sqlstate"], "42P01")
            self.assertEqual(f["ran"], ["f1", "f2"])
            self.assertIn('relation "public.nope" does not exist', f["message"])
            self.assertTrue(any("f2.py" in fr for fr in f["frames"]), f["frames"])
            self.assertFalse(any("site-packages" in fr or "dist-packages" in fr for fr in f["frames"]))
            self.assertNotIn("Traceback", err)  # the traceback travels in the event, for the log
            self.assertEqual(events[-1]["code"], 1)

    def test_jobs_do_not_share_modules_or_environment(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            for root, schema, column in ((a, "ma", "x"), (b, "mb", "y")):
                with open(os.path.join(root, "models.py"), "w") as f:
                    f.write("COLUMN = %r\n" % column)
                make_project(root, [("m1", None, textwrap.dedent(
                    """
                    import os, models
                    op.execute('CREATE SCHEMA IF NOT EXISTS %s')
                    op.execute('CREATE TABLE %s.t (%%s int)' %% models.COLUMN)
                    assert 'LEAK' not in os.environ
                    os.environ['LEAK'] = '1'
                    """ % (schema, schema)))])
                out, err, events = self.job(root, schema)
                self.assertEqual(events[-1]["code"], 0, (err, events))
            import psycopg2

            conn = psycopg2.connect(self.url)
            cur = conn.cursor()
            cur.execute("SELECT table_schema, column_name FROM information_schema.columns "
                        "WHERE table_schema IN ('ma', 'mb') AND table_name = 't' ORDER BY 1")
            self.assertEqual(cur.fetchall(), [("ma", "x"), ("mb", "y")])
            conn.close()


if __name__ == "__main__":
    unittest.main()

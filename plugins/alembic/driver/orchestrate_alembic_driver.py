"""orchestrate's Alembic driver: runs one Alembic command for one service and reports what happened as
typed events (JSON lines on a descriptor of its own), never through log lines.

Two modes (docs/architecture.md, "The Alembic driver"):

  zygote   Imports Alembic, SQLAlchemy and the DBAPIs once, then serves jobs from the control socket
           (fd 3, SOCK_SEQPACKET): each message is a job (JSON) with three descriptors attached (stdout,
           stderr, events). Each job is a fork(): as isolated as a fresh interpreter, as cheap as a warm
           one. After a job's process ends, the zygote writes its exit to the job's event pipe.
  job      Runs one job in this process (the cold path: argv[2] is the job, events on fd 3).

orchestrate sends this file on the interpreter's stdin, so it is not a file on disk: tracebacks name
it "<orchestrate alembic driver>", and the condensed traceback leaves its frames out.

What every job gets, whatever env.py does:
  - the target's URL (DATABASE_URL) as the Alembic Config's sqlalchemy.url and
    config.attributes["sqlalchemy.url"], before env.py runs, so a stock env.py migrates the target;
  - a check of every connection env.py opens against the target (database, server) and of the
    migration context's version table against the one orchestrate reads: either differing fails the job
    before any revision runs;
  - the manifest's lock_timeout (and statement_timeout, unless "off") merged into every connection the
    migration opens: appended to libpq's `options` (psycopg2, psycopg) or asyncpg's `server_settings`
    before connecting, then verified on the connection and SET (and committed, so no later rollback
    undoes it) if a pooler dropped the startup options; the `connection` event says what is in force;
  - a `revision-started` / `revision-applied` event per revision (the latter from Alembic's
    on_version_apply, chained after the user's own callbacks);
  - a `lock-timeout` event (SQLSTATE 55P03) with the statement, and one `failure` event: exception,
    message, SQLSTATE, the revision being applied, its file:line, the revisions this job ran, the
    frames in the project's own files, and the whole traceback (for the log only).
"""

import functools
import json
import os
import re
import sys
import time
import traceback

DRIVER_FILE = "<orchestrate alembic driver>"
PROTOCOL = 1


class Events:
    """One JSON object per line on the job's event descriptor. A write error (orchestrate gone) is
    ignored: the job's outcome is in the database, and the process dies with its parent anyway."""

    def __init__(self, fd):
        self.fd = fd

    def emit(self, type_, **fields):
        fields["type"] = type_
        data = (json.dumps(fields, default=str) + "\n").encode("utf-8", "replace")
        try:
            while data:
                n = os.write(self.fd, data)
                data = data[n:]
        except OSError:
            pass


# What every job imports, loaded by the zygote before it serves the first job.
CORE_MODULES = (
    "logging.config",
    "configparser",
    "ctypes",
    "alembic",
    "alembic.config",
    "alembic.command",
    "alembic.context",
    "alembic.op",
    "alembic.runtime.migration",
    "alembic.runtime.environment",
    "alembic.script",
    "sqlalchemy",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.pool",
    "psycopg2",
    "psycopg2.extensions",
    "sqlalchemy.dialects.postgresql.psycopg2",
)
# What many jobs import (the ORM for an app's models, async env.py files, autogenerate helpers): loaded
# while the zygote is idle, after the first job has started, so they never delay it (the ORM costs
# ~85 ms, asyncpg ~60 ms): the first job imports what it needs itself, the later ones find it loaded.
LATER_MODULES = (
    "sqlalchemy.orm",
    "sqlalchemy.ext.declarative",
    "psycopg2.extras",
    "sqlalchemy.ext.asyncio",
    "asyncpg",
    "sqlalchemy.dialects.postgresql.asyncpg",
    "alembic.autogenerate",
)


def preload(names=CORE_MODULES):
    """Imports done once in the zygote, before any fork."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # an optional DBAPI that is not installed: the job that needs it says so
            pass


# ---------------------------------------------------------------------------------------------------
# Limits on every connection


def _pg_options(ms):
    return "%dms" % ms


class Limits:
    """The manifest's lock_timeout / statement_timeout in milliseconds (None: leave env.py's alone)."""

    def __init__(self, spec):
        self.lock_timeout = spec.get("lock_timeout_ms")
        self.statement_timeout = spec.get("statement_timeout_ms")

    def settings(self):
        out = {}
        if self.lock_timeout is not None:
            out["lock_timeout"] = _pg_options(self.lock_timeout)
        if self.statement_timeout is not None:
            out["statement_timeout"] = _pg_options(self.statement_timeout)
        return out


def merge_connect_params(driver, cparams, settings, app_name):
    """Adds our settings to what env.py passes (connect_args, URL query), so ours win: libpq applies
    `-c` options left to right; asyncpg's server_settings is a dict."""
    if not settings and not app_name:
        return
    if driver in ("psycopg2", "psycopg", "psycopg2cffi"):
        ours = " ".join("-c %s=%s" % kv for kv in settings.items())
        theirs = cparams.get("options") or ""
        cparams["options"] = (theirs + " " + ours).strip()
    elif driver == "asyncpg":
        server = dict(cparams.get("server_settings") or {})
        server.update(settings)
        if app_name and "application_name" not in server:
            server["application_name"] = app_name
        cparams["server_settings"] = server


_READ_LIMITS = (
    "SELECT (SELECT setting FROM pg_settings WHERE name = 'lock_timeout'),"
    " (SELECT setting FROM pg_settings WHERE name = 'statement_timeout'),"
    " current_setting('application_name'), pg_backend_pid()"
)


def _fetch_one(dbapi_conn, sql):
    cur = dbapi_conn.cursor()
    try:
        cur.execute(sql)
        return cur.fetchone()
    finally:
        cur.close()


def _read_limits(dbapi_conn):
    return _fetch_one(dbapi_conn, _READ_LIMITS)


def _end_transaction(dbapi_conn, commit):
    try:
        if commit:
            dbapi_conn.commit()
        else:
            dbapi_conn.rollback()
    except Exception:
        pass


class ServerObjectsChanged(Exception):
    """A revision wrote roles, databases or tablespaces while rehearsed in a shadow database on the
    target's own server, where that change would be real: raised before its transaction commits."""

    hint = None


class WrongDatabase(Exception):
    """env.py connected to another database than the target orchestrate runs the job for."""

    hint = None


_READ_IDENTITY = (
    "SELECT current_database(), host(inet_server_addr()), inet_server_port(), current_setting('port'),"
    " extract(epoch from pg_postmaster_start_time())::text"
)


def _read_identity(dbapi_conn):
    row = _fetch_one(dbapi_conn, _READ_IDENTITY)
    _end_transaction(dbapi_conn, False)
    return {"database": row[0], "host": row[1], "port": row[2], "server_port": row[3], "started": row[4]}


def _where(ident):
    """database on host:port, as a person reads it (no user, no password)."""
    host = ident.get("host") or "local socket"
    port = ident.get("port") or ident.get("server_port")
    return "%s on %s%s" % (ident.get("database"), host, ":%s" % port if port else "")


class Target:
    """The database orchestrate runs this job for (DATABASE_URL, which it sets), and its identity as the
    server sees it, read once through libpq on a connection of our own: env.py's connections are compared
    with it server-side (database, server start time, port), so a pooler or proxy in between does not
    count as a different database, and another cluster or database does."""

    def __init__(self, url):
        self.url = url
        self.identity = None
        self.from_url = {}
        if url:
            try:
                from sqlalchemy.engine import make_url

                u = make_url(url)
                self.from_url = {"database": u.database, "host": u.host, "port": u.port}
            except Exception:
                pass

    def read(self):
        if self.identity is not None or not self.url:
            return self.identity
        try:
            import re

            import psycopg2

            libpq_url = re.sub(r"^(postgres|postgresql)(\+\w+)?://", "postgresql://", self.url)
            conn = psycopg2.connect(libpq_url, application_name="orchestrate/target-check")
            try:
                self.identity = _read_identity(conn)
            finally:
                conn.close()
        except Exception:
            self.identity = {}  # no psycopg2, or no connection: compare with the URL's database only
        return self.identity

    def mismatch(self, seen):
        """A sentence naming what env.py reached vs the target, or None when it is the target."""
        ref = self.read()
        if ref:
            same = (seen["database"] == ref["database"] and seen["started"] == ref["started"]
                    and seen["server_port"] == ref["server_port"])
            target = ref
        else:
            want = self.from_url.get("database")
            same = not want or seen["database"] == want
            target = self.from_url
        if same:
            return None
        return "env.py connected to %s, not to the target %s" % (_where(seen), _where(target))


TARGET = Target(None)


def check_target(dbapi_conn, events):
    """Fails the job, before any revision runs, when env.py's connection is not the target's database."""
    if not TARGET.url:
        return
    try:
        seen = _read_identity(dbapi_conn)
    except Exception as e:  # cannot tell: say so, never guess either way
        events.emit("target-check", error="%s: %s" % (type(e).__name__, _first_line(e)))
        return
    problem = TARGET.mismatch(seen)
    events.emit("target-check", database=seen["database"], host=seen["host"], port=seen["port"],
                same=problem is None)
    if problem:
        err = WrongDatabase(problem + ": nothing was migrated")
        err.hint = ("make env.py connect to the URL orchestrate gives it: os.environ['DATABASE_URL'], or "
                    "config.get_main_option('sqlalchemy.url'), which orchestrate sets to the target's URL")
        raise err


def verify_connection(dbapi_conn, limits, events):
    """Reads what is in force on a new connection; if a pooler or the server dropped the startup
    options, SETs them (committed: a later rollback cannot undo a committed SET) and reads again."""
    try:
        lock, stmt, app, pid = _read_limits(dbapi_conn)
        _end_transaction(dbapi_conn, False)
        fixed = False
        wanted = limits.settings()
        if _differs(lock, stmt, limits):
            cur = dbapi_conn.cursor()
            try:
                for name, value in wanted.items():
                    cur.execute("SET SESSION %s = '%s'" % (name, value))  # names and values are ours
            finally:
                cur.close()
            _end_transaction(dbapi_conn, True)
            lock, stmt, app, pid = _read_limits(dbapi_conn)
            _end_transaction(dbapi_conn, False)
            fixed = True
        events.emit(
            "connection",
            backend_pid=int(pid),
            lock_timeout_ms=int(lock),
            statement_timeout_ms=int(stmt),
            application_name=app,
            set_after_connect=fixed,
            limits_in_force=not _differs(lock, stmt, limits),
        )
    except Exception as e:  # never fail a migration because the check failed: say so instead
        events.emit("connection", error="%s: %s" % (type(e).__name__, _first_line(e)), limits_in_force=False)


def _differs(lock, stmt, limits):
    if limits.lock_timeout is not None and int(lock) != limits.lock_timeout:
        return True
    if limits.statement_timeout is not None and int(stmt) != limits.statement_timeout:
        return True
    return False


def install_connection_hooks(limits, events, app_name):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    settings = limits.settings()

    def do_connect(dialect, conn_rec, cargs, cparams):
        merge_connect_params(getattr(dialect, "driver", ""), cparams, settings, app_name)
        return None  # let the dialect connect

    def on_connect(dbapi_conn, conn_rec):
        check_target(dbapi_conn, events)
        verify_connection(dbapi_conn, limits, events)

    def on_error(ctx):
        code = sqlstate_of(ctx.original_exception)
        if code == "55P03":
            events.emit("lock-timeout", sqlstate=code, statement=_short(ctx.statement), revision=TRACKER.current)

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        if TRACKER.server_writes_sql and _autocommit(conn):
            what = server_wide_statement(statement)
            if what:
                raise ServerObjectsChanged(
                    "%s would commit by itself (an autocommit block), and in a shadow on the target's own server "
                    "it would be real; it was not run; rehearse on a throwaway server (--shadow-url or "
                    "[rehearsal] server)" % what
                )

    event.listen(Engine, "do_connect", do_connect)
    event.listen(Pool, "connect", on_connect)
    event.listen(Engine, "handle_error", on_error)
    event.listen(Engine, "before_cursor_execute", before_execute)


def _autocommit(conn):
    """Whether statements on this connection commit one by one (Alembic's autocommit_block)."""
    try:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return True
        fairy = conn.connection
        raw = getattr(fairy, "dbapi_connection", None) or getattr(fairy, "connection", None)
        return bool(getattr(raw, "autocommit", False))
    except Exception:  # noqa: B902 - a closed or odd connection: judged transactional
        return False


# Statements that change what every database of the server shares. In a transaction, the revision's
# writes are read from the catalogue before it commits (refuse_server_writes); in an autocommit block
# each statement commits at once, so its text is judged before it runs. A DO block's body is unseen.
_SERVER_WIDE = [
    (re.compile(r"(create|alter|drop)\s+(role|group|database|tablespace|subscription)\b"), None),
    (re.compile(r"(create|alter|drop)\s+user\b(?!\s+mapping\b)"), None),
    (re.compile(r"(reassign|drop)\s+owned\b"), None),
    (re.compile(r"security\s+label\b.*\bon\s+(role|database|tablespace)\b", re.S), "SECURITY LABEL on a role or database"),
    (re.compile(r"alter\s+system\b"), None),
    (re.compile(r"(grant|revoke)\b.*\bon\s+(database|tablespace|parameter)\b", re.S),
     "GRANT/REVOKE on a database, tablespace or parameter"),
    (re.compile(r"(grant|revoke)\b(?!.*\bon\b)", re.S), "GRANT/REVOKE a role"),
    (re.compile(r"comment\s+on\s+(role|database|tablespace)\b"), None),
    (re.compile(r"do\b"), "a DO block (its body cannot be judged before it runs)"),
]


def server_wide_statement(statement):
    text = re.sub(r"^(\s+|--[^\n]*\n|/\*.*?\*/)+", "", statement or "", flags=re.S).lower()
    for pattern, name in _SERVER_WIDE:
        m = pattern.match(text)
        if m:
            return name or " ".join(m.group(0).upper().split()[:3])
    return None


# ---------------------------------------------------------------------------------------------------
# Revisions


class Tracker:
    """Which revision runs now, and which this job ran, from wrapping each step's function and from
    Alembic's on_version_apply."""

    def __init__(self):
        self.events = None
        self.current = None
        self.current_file = None
        self.started_at = None
        self.ran = []
        self.transaction_per_migration = False
        self.limits = None
        self.locks_sql = None  # rehearse: read the revision's table locks before its transaction commits
        self.server_writes_sql = None  # rehearse on the target's server: refuse server-wide writes
        self.locks_seen = set()

    def started(self, step):
        rev = step.revision
        self.current = rev.revision
        self.current_file = getattr(rev.module, "__file__", None) or getattr(rev, "path", None)
        self.started_at = time.monotonic()
        fields = dict(
            revision=rev.revision,
            down_revisions=list(rev._normalized_down_revisions) if step.is_upgrade else [],
            upgrade=bool(step.is_upgrade),
            file=self.current_file,
            message=(rev.doc or "").strip().splitlines()[0] if rev.doc else "",
        )
        fields.update(self.enforce_limits())
        self.events.emit("revision-started", **fields)

    def enforce_limits(self):
        """What the revision's own connection runs with, read just before it runs: a listener of env.py's
        that reset lock_timeout after we connected is caught here, and the limit SET again for this
        transaction."""
        if self.limits is None or not self.limits.settings():
            return {}
        try:
            from alembic import context, op

            if context.is_offline_mode():
                return {}
            bind = op.get_bind()
            lock, stmt = bind.exec_driver_sql(
                "SELECT (SELECT setting FROM pg_settings WHERE name = 'lock_timeout'),"
                " (SELECT setting FROM pg_settings WHERE name = 'statement_timeout')"
            ).fetchone()
            out = {"lock_timeout_ms": int(lock), "statement_timeout_ms": int(stmt), "limits_set": False}
            if _differs(lock, stmt, self.limits):
                for name, value in self.limits.settings().items():
                    bind.exec_driver_sql("SET %s = '%s'" % (name, value))  # names and values are ours
                out["limits_set"] = True
            return out
        except Exception as e:  # offline mode, or no bind: nothing to read
            return {"limits_error": "%s: %s" % (type(e).__name__, _first_line(e))}

    def applied(self, ctx=None, step=None, heads=None, run_args=None, **_):
        if step is None or getattr(step, "is_stamp", False):
            return
        rev = step.up_revision_id if step.is_upgrade else (step.down_revision_ids or [None])[0]
        revision = self.current or rev
        ms = int((time.monotonic() - self.started_at) * 1000) if self.started_at else 0
        self.ran.append(revision)
        fields = {}
        if self.server_writes_sql:  # a downgrade (rehearse --roundtrip) is guarded too
            self.refuse_server_writes(ctx)
        if self.locks_sql and step.is_upgrade:
            fields["locks"] = self.read_locks(ctx)
        self.events.emit(
            "revision-applied" if step.is_upgrade else "revision-reverted",
            revision=revision,
            file=self.current_file,
            duration_ms=ms,
            heads=sorted(heads or ()),
            **fields
        )
        self.current = None
        self.current_file = None


    def refuse_server_writes(self, ctx):
        """Fails the revision, inside its transaction, when it wrote what every database of the server
        shares: in a shadow on the target's own server that would not be a rehearsal."""
        rows = ctx.connection.exec_driver_sql(self.server_writes_sql).fetchall()
        if rows:
            raise ServerObjectsChanged(
                "it changes what every database of the server shares (%s): in a shadow on the target's own "
                "server that change would be real, so it was rolled back; rehearse on a throwaway server "
                "(--shadow-url or [rehearsal] server) to rehearse it" % ", ".join(str(r[0]) for r in rows)
            )

    def read_locks(self, ctx):
        """The table locks the migration's own connection holds now: on_version_apply runs inside the
        revision's transaction, after its version row, before the commit. With one transaction for
        every revision, a lock an earlier revision took is still held: each is reported once, by the
        revision that took it first."""
        try:
            rows = ctx.connection.exec_driver_sql(self.locks_sql).fetchall()
        except Exception as e:  # noqa: B902 - a lock report must never fail the migration
            return [["", "", "unreadable: %s: %s" % (type(e).__name__, _first_line(e))]]
        locks = [[str(a), str(b), str(c)] for a, b, c in rows]
        if self.transaction_per_migration:
            return locks
        fresh = [l for l in locks if tuple(l) not in self.locks_seen]
        self.locks_seen.update(tuple(l) for l in locks)
        return fresh


TRACKER = Tracker()


def install_revision_hooks(events, limits):
    from alembic.runtime import environment, migration

    TRACKER.events = events
    TRACKER.limits = limits
    original_init = migration.RevisionStep.__init__

    def step_init(self, revision_map, revision, is_upgrade):
        original_init(self, revision_map, revision, is_upgrade)
        fn = self.migration_fn
        step = self

        @functools.wraps(fn)  # Alembic's log names the step by its function ("Running upgrade A -> B")
        def run(*args, **kw):
            TRACKER.started(step)
            return fn(*args, **kw)

        self.migration_fn = run

    migration.RevisionStep.__init__ = step_init

    original_configure = environment.EnvironmentContext.configure

    def configure(self, *args, **kw):
        theirs = kw.get("on_version_apply") or ()
        if callable(theirs):
            theirs = (theirs,)
        kw["on_version_apply"] = tuple(theirs) + (TRACKER.applied,)
        TRACKER.transaction_per_migration = bool(kw.get("transaction_per_migration", False))
        out = original_configure(self, *args, **kw)
        check_version_table(self.get_context(), events)
        return out

    environment.EnvironmentContext.configure = configure


# ---------------------------------------------------------------------------------------------------
# The target's URL for a stock env.py


def give_target_url(config, url):
    """What a stock env.py reads its URL from, set to the target's before env.py runs: the main option
    sqlalchemy.url (engine_from_config, async_engine_from_config; `%` doubled for configparser) and
    config.attributes["sqlalchemy.url"] (read first by some templates). Never printed."""
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["sqlalchemy.url"] = url


def install_target_url(url):
    if not url:
        return
    from alembic import config as alembic_config

    original = alembic_config.CommandLine.run_cmd

    def run_cmd(self, config, options):
        give_target_url(config, url)
        return original(self, config, options)

    alembic_config.CommandLine.run_cmd = run_cmd


# ---------------------------------------------------------------------------------------------------
# The version table


class VersionTableMismatch(Exception):
    """Alembic would write its version where orchestrate does not read it."""

    hint = None


VERSION_TABLE = {}  # what orchestrate reads: {"schema": ..., "table": ...} from the job


def _current_schema(migration_ctx):
    """The schema an unqualified version table lands in, read on the DBAPI connection underneath, so that
    SQLAlchemy's own transaction state (autobegin of a future connection) is left as env.py made it."""
    conn = getattr(migration_ctx, "connection", None)
    dbapi = getattr(conn, "connection", None)
    if dbapi is None:
        return None
    row = _fetch_one(dbapi, "SELECT current_schema()")
    return row[0] if row else None


def check_version_table(migration_ctx, events):
    """Fails the job, before any revision runs, when env.py's migration context keeps its version in
    another table than the one orchestrate reads (status, down and the no-op check would all be wrong)."""
    if migration_ctx is None or getattr(migration_ctx, "as_sql", False):
        return  # offline (--sql): no database to write to
    table = getattr(migration_ctx, "version_table", "alembic_version")
    schema = getattr(migration_ctx, "version_table_schema", None)
    try:
        resolved = schema or _current_schema(migration_ctx)
    except Exception as e:
        events.emit("version-table", table=table, schema=schema, error="%s: %s" % (type(e).__name__, _first_line(e)))
        return
    events.emit("version-table", table=table, schema=schema, resolved_schema=resolved)
    want_schema, want_table = VERSION_TABLE.get("schema"), VERSION_TABLE.get("table")
    if not want_table or resolved is None or (resolved, table) == (want_schema, want_table):
        return
    service = os.environ.get("ORCHESTRATE_SERVICE") or "the service"
    how = "version_table_schema=%r" % schema if schema else "no version_table_schema: the search_path's first schema"
    err = VersionTableMismatch(
        "env.py's context.configure keeps Alembic's version in %s.%s (%s), but orchestrate reads %s.%s for %s: "
        "nothing was migrated" % (resolved, table, how, want_schema, want_table, service))
    err.hint = ('add version_table = "%s.%s" to [services.%s] in the manifest, or pass '
                'version_table_schema="%s", version_table="%s" to context.configure in env.py'
                % (resolved, table, service, want_schema, want_table))
    raise err


# ---------------------------------------------------------------------------------------------------
# Failures


def sqlstate_of(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for attr in ("pgcode", "sqlstate"):
            code = getattr(exc, attr, None)
            if isinstance(code, str) and len(code) == 5:
                return code
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return None


def _first_line(e):
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip()
    return text.splitlines()[0] if text else ""


def _short(sql, limit=2000):
    if sql is None:
        return None
    sql = str(sql).strip()
    return sql if len(sql) <= limit else sql[:limit] + " ..."


def _is_project_file(path, root):
    if not path or path.startswith("<"):
        return False
    path = os.path.abspath(path)
    if "site-packages" in path or "dist-packages" in path or path.startswith(sys.base_prefix + os.sep + "lib"):
        return False
    return path.startswith(root.rstrip(os.sep) + os.sep)


def describe_failure(exc, root):
    """The failure event's fields: what, where (the deepest frame in the project's own files, which for a
    failing revision is the revision file), and the frames a person needs."""
    frames = traceback.extract_tb(exc.__traceback__)
    project = [f for f in frames if _is_project_file(f.filename, root)]
    where = None
    if TRACKER.current_file:
        mine = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(TRACKER.current_file)]
        if mine:
            where = mine[-1]
    if where is None and project:
        where = project[-1]
    condensed = []
    for f in project:
        condensed.append('File "%s", line %d, in %s' % (os.path.relpath(f.filename, root), f.lineno, f.name))
        if f.line:
            condensed.append("    " + f.line.strip())
    fields = {
        "exception": type(exc).__name__,
        "message": _first_line(exc),
        "sqlstate": sqlstate_of(exc),
        "revision": TRACKER.current,
        "file": os.path.relpath(where.filename, root) if where else None,
        "line": where.lineno if where else None,
        "ran": list(TRACKER.ran) + ([TRACKER.current] if TRACKER.current else []),
        "transaction_per_migration": TRACKER.transaction_per_migration,
        "frames": condensed,
        "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }
    statement = getattr(exc, "statement", None)
    if statement:
        fields["statement"] = _short(statement)
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    position = getattr(diag, "statement_position", None) if diag is not None else None
    if position:
        fields["statement_position"] = int(position)
    missing = _missing_module(exc)
    if getattr(exc, "hint", None):
        fields["hint"] = exc.hint
    if missing:
        fields["missing_module"] = missing
        fields["python"] = sys.executable
    return fields


def _missing_module(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ImportError):
            return exc.name or _first_line(exc)
        exc = exc.__cause__ or exc.__context__
    return None


# ---------------------------------------------------------------------------------------------------
# One job


def apply_environment(spec, zygote_path):
    """The service's directory, environment and import path, as a fresh `python -m alembic` there
    would have them (PYTHONPATH was applied when the zygote started; it is part of the zygote's key)."""
    os.chdir(spec["cwd"])
    os.environ.update(spec.get("env") or {})
    sys.path[:] = [spec["cwd"]] + list(zygote_path)
    sys.argv = ["alembic"] + list(spec["argv"])


def run_job(spec, events, fork_started=None):
    started = time.monotonic()
    events.emit(
        "job-started",
        protocol=PROTOCOL,
        pid=os.getpid(),
        fork_ms=round((started - fork_started) * 1000, 3) if fork_started else None,
    )
    limits = Limits(spec.get("limits") or {})
    TRACKER.locks_sql = spec.get("relation_locks_sql")
    TRACKER.server_writes_sql = spec.get("server_writes_sql")
    root = os.path.abspath(spec["cwd"])
    global TARGET
    TARGET = Target(os.environ.get("DATABASE_URL"))
    VERSION_TABLE.clear()
    VERSION_TABLE.update(spec.get("version_table") or {})
    try:
        install_connection_hooks(limits, events, (spec.get("env") or {}).get("PGAPPNAME"))
        install_revision_hooks(events, limits)
        install_target_url(TARGET.url)
        import alembic.config

        alembic.config.main(argv=["--raiseerr"] + list(spec["argv"]), prog="alembic")
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code & 0xFF or (1 if code else 0)
        print(code, file=sys.stderr)
        return 1
    except BaseException as e:  # noqa: B902 - every failure is reported, KeyboardInterrupt too
        fields = describe_failure(e, root)
        events.emit("failure", **fields)
        return 1
    return 0


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


# ---------------------------------------------------------------------------------------------------
# The zygote


_PRCTL = None  # libc's prctl, loaded by the zygote before it forks (ctypes costs milliseconds per job)


def _load_prctl():
    global _PRCTL
    try:
        import ctypes

        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
    except Exception:
        _PRCTL = None


def _die_with_parent(parent_pid):
    """PR_SET_PDEATHSIG: the kernel kills this process when its parent dies, so a job can never commit
    after orchestrate (and its run lock) are gone."""
    if _PRCTL is not None:
        _PRCTL(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    if os.getppid() != parent_pid:
        os._exit(127)


def _child(spec, fds, zygote_path, fork_started):
    import signal

    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    os.setpgid(0, 0)  # a group of its own: a timeout or Ctrl-C stops the job and whatever it started
    out, err, ev = fds
    # The job's descriptors: 0 /dev/null, 1 and 2 its output pipes, 3 its events. Nothing else stays
    # open: another job's event pipe held here would keep orchestrate from seeing that job end.
    os.dup2(ev, 3)  # over the control socket, which a job must not hold
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.closerange(4, 65536)
    try:
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
    except Exception:
        pass
    code = 1
    try:
        apply_environment(spec, zygote_path)
        code = run_job(spec, Events(3), fork_started)
    finally:
        _flush()
        os._exit(code)


class Zygote:
    def __init__(self, control_fd):
        import socket

        self.control = socket.socket(fileno=control_fd)
        self.control_fd = control_fd
        self.jobs = {}  # pid -> event fd
        self.path = [p for p in sys.path[1:]]  # sys.path[0] is "" for -c: each job puts its cwd there

    def serve(self):
        import array
        import selectors
        import signal
        import socket

        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        sel = selectors.DefaultSelector()
        sel.register(self.control, selectors.EVENT_READ, "control")
        sel.register(wake_r, selectors.EVENT_READ, "wake")
        open_ = True
        later = list(LATER_MODULES)
        while open_ or self.jobs:
            ready = sel.select(timeout=0.01 if later and self.jobs else 1.0)
            if not ready and later:
                preload((later.pop(0),))  # idle: one more module the next jobs may want
                continue
            for key, _ in ready:
                if key.data == "wake":
                    try:
                        os.read(wake_r, 4096)
                    except BlockingIOError:
                        pass
                elif open_:
                    try:
                        msg, fds, _, _ = socket.recv_fds(self.control, 1 << 20, 3)
                    except (ConnectionResetError, OSError):
                        msg, fds = b"", []
                    if not msg:
                        open_ = False
                        sel.unregister(self.control)
                        continue
                    self.start(msg, fds)
            self.reap()

    def start(self, msg, fds):
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            return
        spec = json.loads(msg.decode("utf-8"))
        _flush()
        fork_started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _die_with_parent(self.zygote_pid)
            _child(spec, fds, self.path, fork_started)
        os.close(fds[0])
        os.close(fds[1])
        self.jobs[pid] = fds[2]

    def reap(self):
        while self.jobs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            fd = self.jobs.pop(pid, None)
            if fd is None:
                continue
            if os.WIFSIGNALED(status):
                Events(fd).emit("exit", code=None, signal=os.WTERMSIG(status))
            else:
                Events(fd).emit("exit", code=os.WEXITSTATUS(status), signal=None)
            os.close(fd)


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "zygote":
        preload()
        _load_prctl()
        import gc

        gc.freeze()  # what the zygote imported stays shared with every job, not copied on first write
        z = Zygote(3)
        z.zygote_pid = os.getpid()
        z.serve()
        return 0
    if mode == "job":
        spec = json.loads(argv[2])
        code = run_job(spec, Events(3))
        _flush()
        return code
    print("usage: orchestrate-alembic-driver zygote | job JSON", file=sys.stderr)
    return 2


if __name__ == "__main__" or __name__ == "__orchestrate_driver__":
    sys.exit(main(sys.argv))

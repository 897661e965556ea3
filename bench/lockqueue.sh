#!/usr/bin/env bash
# bench/lockqueue.sh [HOLD_SECONDS]: the lock queue, measured. A reader holds ACCESS SHARE on a table
# for HOLD_SECONDS (default 10) while an ALTER TABLE on it is applied, and a third session runs a
# SELECT on the table every 50 ms. Three ways to apply it, each on a fresh database:
#   orchestrate up   (lock_timeout 2s, retries with backoff): a SQL file
#   orchestrate up   the same ALTER as an Alembic revision whose env.py passes its own libpq options
#                    (connect_args={"options": ...}, which replace PGOPTIONS): the driver merges the limit
#   psql -1 -f       (the shell-script way: the ALTER waits in the queue, and every SELECT behind it)
# Printed per way: the longest any SELECT waited, when the ALTER committed, the number of attempts.
# Goal: orchestrate's longest wait <= lock_timeout + 100 ms (psql's is about HOLD_SECONDS), and the
# ALTER still applied once the reader is gone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
hold=${1:-10}
bench_setup lockqueue
work=$(mktemp -d)
trap 'rm -rf "$work"; "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
mkdir -p "$work/app"
echo "CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items SELECT g, 'n' FROM generate_series(1, 1000) g;" \
  >"$work/app/0001_items.sql"
cat >"$work/services.toml" <<EOT
[project]
name = "lockqueue"
database = "env:DATABASE_URL"
lock_timeout = "2s"
lock_retries = 20
[services.app]
schema = "app"
runner = "sql"
path = "app"
EOT
alter="ALTER TABLE items ADD COLUMN extra int;"

# The Alembic service: env.py as real projects write it, with "pgbouncer compatibility" options.
mkdir -p "$work/alem/migrations/versions"
printf '[alembic]\nscript_location = migrations\n' >"$work/alem/alembic.ini"
cat >"$work/alem/migrations/env.py" <<'EOT'
import os
from alembic import context
from sqlalchemy import create_engine, pool
engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool,
                       connect_args={"options": "-c statement_timeout=60000"})
with engine.connect() as connection:
    context.configure(connection=connection, version_table_schema="app")
    with context.begin_transaction():
        context.run_migrations()
EOT
cp "$work/services.toml" "$work/services-alembic.toml"
cat >>"$work/services-alembic.toml" <<EOT
[runners.alembic]
command = ["/usr/bin/python3", "-m", "alembic"]
[services.alem]
schema = "app"
runner = "alembic"
path = "alem"
depends_on = ["app"]
EOT

# The reader and the prober, in Python with psycopg2 (Debian's python3-psycopg2): the reader holds
# ACCESS SHARE for $hold s; the prober times a SELECT every 50 ms until told to stop; it prints the
# longest wait in ms.
cat >"$work/reader.py" <<'EOT'
import sys, time, psycopg2
c = psycopg2.connect(sys.argv[1]); cur = c.cursor()
cur.execute("SELECT count(*) FROM app.items"); print("holding", flush=True)
time.sleep(float(sys.argv[2])); c.rollback()
EOT
cat >"$work/prober.py" <<'EOT'
import os, sys, time, psycopg2
c = psycopg2.connect(sys.argv[1]); c.autocommit = True; cur = c.cursor()
worst = 0.0
while not os.path.exists(sys.argv[2]):
    t = time.monotonic(); cur.execute("SELECT count(*) FROM app.items"); cur.fetchone()
    worst = max(worst, time.monotonic() - t); time.sleep(0.05)
print(int(worst * 1000))
EOT

# measure WAY: prints "worst_select_ms alter_committed_ms attempts"
measure() {
  local url stop t0 reader prober out attempts done_ms
  url=$(fresh_db "lq_$1")
  local manifest="$work/services.toml"
  [[ $1 == alembic ]] && manifest="$work/services-alembic.toml"
  DATABASE_URL=$url "$ORCH" -f "$manifest" up >/dev/null
  if [[ $1 == alembic ]]; then
    printf 'from alembic import op\nrevision = "a1"\ndown_revision = None\ndef upgrade():\n    op.execute("ALTER TABLE app.items ADD COLUMN extra int")\n' \
      >"$work/alem/migrations/versions/a1_alter.py"
  else
    echo "$alter" >"$work/app/0002_alter.sql"
  fi
  stop="$work/stop-$1"; rm -f "$stop"
  /usr/bin/python3 "$work/prober.py" "$url" "$stop" >"$work/worst-$1" &
  prober=$!
  /usr/bin/python3 "$work/reader.py" "$url" "$hold" >"$work/reader-$1" &
  reader=$!
  until grep -q holding "$work/reader-$1" 2>/dev/null; do sleep 0.02; done
  t0=$(now_ms)
  if [[ $1 == orchestrate || $1 == alembic ]]; then
    out=$(DATABASE_URL=$url "$ORCH" --no-dashboard -f "$manifest" up 2>&1)
    attempts=$(($(grep -c "lock timeout on" <<<"$out" || true) + 1))
  else
    PGOPTIONS="-c search_path=app" "$PSQL" -q -X -v ON_ERROR_STOP=1 -1 -c "$alter" "$url" >/dev/null
    attempts=1
  fi
  done_ms=$(($(now_ms) - t0))
  wait "$reader"
  sleep 0.2; touch "$stop"; wait "$prober"
  rm -f "$work/app/0002_alter.sql" "$work/alem/migrations/versions/a1_alter.py"
  local has_column
  has_column=$("$PSQL" -At -X "$url" -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.items'::regclass AND attname = 'extra'")
  echo "$(cat "$work/worst-$1") $done_ms $attempts $has_column"
}

read -r o_worst o_done o_attempts o_applied < <(measure orchestrate)
read -r a_worst a_done a_attempts a_applied < <(measure alembic)
read -r p_worst p_done p_attempts p_applied < <(measure psql)
echo "a reader holds ACCESS SHARE for ${hold}s; a SELECT every 50 ms; ALTER TABLE ... ADD COLUMN:"
printf '  %-26s longest SELECT wait %6s ms, ALTER committed after %6s ms, %2s attempt(s), applied: %s\n' \
  "orchestrate up (2s x20)" "$o_worst" "$o_done" "$o_attempts" "$([[ $o_applied == 1 ]] && echo yes || echo NO)" \
  "  Alembic, env.py options" "$a_worst" "$a_done" "$a_attempts" "$([[ $a_applied == 1 ]] && echo yes || echo NO)" \
  "psql -1 (shell script)" "$p_worst" "$p_done" "$p_attempts" "$([[ $p_applied == 1 ]] && echo yes || echo NO)"
echo "longest wait, orchestrate / psql: $(ratio "$o_worst" "$p_worst")"
echo "goal: orchestrate's longest wait <= 2100 ms: $(verdict "$o_worst" 2100)"
echo "goal: with Alembic and env.py's own options, longest wait <= 2100 ms: $(verdict "$a_worst" 2100)"

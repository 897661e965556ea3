#!/usr/bin/env bash
# bench/sql.sh [COUNT] [ROUNDS] [STATEMENTS]: COUNT tiny migrations (a CREATE TABLE and an INSERT each)
# into an empty schema, with a ledger row per file, four ways:
#   orchestrate up (sql runner)
#   one psql session, each file in BEGIN/COMMIT with its ledger insert (the floor)
#   one `psql -1 -f` process per file
#   sql-migrate up (Debian's sql-migrate) and sqitch deploy of the same changes, when installed
# Goals: orchestrate <= 0.9x sql-migrate and <= 1.1x the one-session floor.
# then one seed file of STATEMENTS INSERTs (default 100,000), `orchestrate up` (read, parse, lint, apply in
# one transaction, ledger row) against `psql -1 -f` of the same file: within 1.5x is the goal, and a
# tenth of the file must take about a tenth of the time (linear, not quadratic).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
count=${1:-500}
rounds=${2:-3}
statements=${3:-100000}
bench_setup sql
work=$(mktemp -d)
trap 'rm -rf "$work"; "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
mkdir -p "$work/tiny"
for ((n = 1; n <= count; n++)); do
  printf 'CREATE TABLE t_%d (id int PRIMARY KEY, note text);\nINSERT INTO t_%d VALUES (%d, %s);\n' \
    "$n" "$n" "$n" "'row $n'" >"$work/tiny/$(printf '%04d' "$n")_t$n.sql"
done
cat >"$work/services.toml" <<EOT
[project]
name = "bench"
database = "env:DATABASE_URL"
[services.tiny]
schema = "tiny"
runner = "sql"
path = "tiny"
EOT
ledger="CREATE SCHEMA tiny; CREATE TABLE tiny.ledger (version bigint PRIMARY KEY, name text, checksum text, applied_at timestamptz DEFAULT now(), duration_ms bigint, applied_by text);"
# The floor: one session, each file in its own transaction with its ledger row.
{
  echo "$ledger"
  echo "SET search_path TO tiny, public;"
  for f in "$work"/tiny/*.sql; do
    b=$(basename "$f" .sql); v=$((10#${b%%_*}))
    echo "BEGIN;"; echo "\\i $f"
    echo "INSERT INTO tiny.ledger (version, name, checksum, duration_ms, applied_by) VALUES ($v, '$b', '$(sha256sum "$f" | cut -c1-64)', 0, 'bench');"
    echo "COMMIT;"
  done
} >"$work/session.sql"

have_sqitch=0
if command -v sqitch >/dev/null; then
  have_sqitch=1
  (cd "$work" && mkdir sq && cd sq && sqitch init bench --engine pg >/dev/null)
  for f in "$work"/tiny/*.sql; do
    b=$(basename "$f" .sql)
    (cd "$work/sq" && sqitch add "$b" -n "$b" >/dev/null && { echo "SET search_path TO tiny, public;"; cat "$f"; } >"deploy/$b.sql")
  done
fi

have_sqlmigrate=0
if command -v sql-migrate >/dev/null; then
  have_sqlmigrate=1
  mkdir -p "$work/sm/migrations"
  for f in "$work"/tiny/*.sql; do
    { echo "-- +migrate Up"; echo "SET LOCAL search_path TO tiny, public;"; cat "$f"; } >"$work/sm/migrations/$(basename "$f")"
  done
  printf 'bench:\n  dialect: postgres\n  datasource: ${DATABASE_URL}\n  dir: migrations\n  table: sql_migrate_ledger\n' \
    >"$work/sm/dbconfig.yml"
fi

o=() s=() p=() q=() g=()
for ((i = 1; i <= rounds; i++)); do
  url=$(fresh_db bench_o); t=$(now_ms); (cd "$work" && DATABASE_URL=$url "$ORCH" up >/dev/null); o+=($(($(now_ms) - t)))
  url=$(fresh_db bench_s); t=$(now_ms); "$PSQL" -q -X -v ON_ERROR_STOP=1 -f "$work/session.sql" "$url" >/dev/null; s+=($(($(now_ms) - t)))
  url=$(fresh_db bench_p); t=$(now_ms)
  "$PSQL" -q -X "$url" -c "$ledger" >/dev/null
  for f in "$work"/tiny/*.sql; do
    b=$(basename "$f" .sql); v=$((10#${b%%_*}))
    PGOPTIONS="-c search_path=tiny,public" "$PSQL" -q -X -v ON_ERROR_STOP=1 -1 -f "$f" \
      -c "INSERT INTO tiny.ledger (version, name, checksum, duration_ms, applied_by) VALUES ($v, '$b', 'x', 0, 'bench')" "$url" >/dev/null
  done
  p+=($(($(now_ms) - t)))
  if ((have_sqitch)); then
    url=$(fresh_db bench_q); "$PSQL" -q -X "$url" -c "CREATE SCHEMA tiny" >/dev/null
    t=$(now_ms); (cd "$work/sq" && sqitch deploy "db:pg:${url#postgresql:}" >/dev/null); q+=($(($(now_ms) - t)))
  fi
  if ((have_sqlmigrate)); then
    url=$(fresh_db bench_g); "$PSQL" -q -X "$url" -c "CREATE SCHEMA tiny" >/dev/null
    t=$(now_ms); (cd "$work/sm" && DATABASE_URL="$url?sslmode=disable" sql-migrate up -env=bench >/dev/null); g+=($(($(now_ms) - t)))
  fi
  echo "round $i: orchestrate ${o[-1]} ms, psql session ${s[-1]} ms, psql per file ${p[-1]} ms${q:+, sqitch ${q[-1]} ms}${g:+, sql-migrate ${g[-1]} ms}" >&2
done
mo=$(median "${o[@]}") ms=$(median "${s[@]}") mp=$(median "${p[@]}")
per() { awk -v t="$1" -v n="$count" 'BEGIN { printf "%.2f", t / n }'; }
echo
echo "$count tiny migrations into an empty schema, ledger row each, median of $rounds rounds"
printf '  %-40s %8s ms  %6s ms/migration\n' "orchestrate up (sql runner)" "$mo" "$(per "$mo")" \
  "psql, one session, BEGIN/COMMIT per file" "$ms" "$(per "$ms")" "psql -1 -f, one process per file" "$mp" "$(per "$mp")"
if ((have_sqitch)); then
  mq=$(median "${q[@]}"); printf '  %-40s %8s ms  %6s ms/migration\n' "sqitch deploy" "$mq" "$(per "$mq")"
else
  echo "  sqitch deploy: not installed, skipped (apt-get install sqitch to compare)"
fi
if ((have_sqlmigrate)); then
  mg=$(median "${g[@]}"); printf '  %-40s %8s ms  %6s ms/migration\n' "sql-migrate up" "$mg" "$(per "$mg")"
else
  echo "  sql-migrate up: not installed, skipped (apt-get install sql-migrate to compare)"
fi
echo
r=$(ratio "$mo" "$ms")
printf '  sql/psql_session  = %s  (goal <= 1.1: %s)\n' "$r" "$(verdict "$r" 1.1)"
if ((have_sqlmigrate)); then
  r=$(ratio "$mo" "$mg")
  printf '  sql/sql-migrate   = %s  (goal <= 0.9: %s)\n' "$r" "$(verdict "$r" 0.9)"
fi
printf '  sql/psql_per_file = %s\n' "$(ratio "$mo" "$mp")"

# One large seed file.
seed_file() {  # seed_file DIR N: a project in DIR whose one sql service applies N INSERTs
  mkdir -p "$1/seed"
  awk -v n="$2" 'BEGIN { print "CREATE TABLE seed (id int PRIMARY KEY, name text, note text);";
    for (i = 1; i <= n; i++) printf "INSERT INTO seed (id, name, note) VALUES (%d, '"'"'name %d'"'"', '"'"'a note about row %d'"'"');\n", i, i, i }' \
    >"$1/seed/0001_seed.sql"
  printf '[project]\nname = "seed"\ndatabase = "env:DATABASE_URL"\n[services.seed]\nschema = "seed"\nrunner = "sql"\npath = "seed"\n' \
    >"$1/services.toml"
}
seed_file "$work/big" "$statements"
seed_file "$work/tenth" $((statements / 10))
bo=() bp=() bt=()
for ((i = 1; i <= rounds; i++)); do
  url=$(fresh_db bench_bo); t=$(now_ms); (cd "$work/big" && DATABASE_URL=$url "$ORCH" --no-dashboard up >/dev/null); bo+=($(($(now_ms) - t)))
  url=$(fresh_db bench_bp); "$PSQL" -q -X "$url" -c "CREATE SCHEMA seed" >/dev/null; t=$(now_ms)
  PGOPTIONS="-c search_path=seed,public" "$PSQL" -q -X -v ON_ERROR_STOP=1 -1 -f "$work/big/seed/0001_seed.sql" "$url" >/dev/null
  bp+=($(($(now_ms) - t)))
  url=$(fresh_db bench_bt); t=$(now_ms); (cd "$work/tenth" && DATABASE_URL=$url "$ORCH" --no-dashboard up >/dev/null); bt+=($(($(now_ms) - t)))
  echo "round $i: seed file: orchestrate ${bo[-1]} ms, psql -1 -f ${bp[-1]} ms, orchestrate on a tenth ${bt[-1]} ms" >&2
done
mbo=$(median "${bo[@]}") mbp=$(median "${bp[@]}") mbt=$(median "${bt[@]}")
size=$(du -h "$work/big/seed/0001_seed.sql" | cut -f1)
echo
echo "one seed file of $statements INSERTs ($size), median of $rounds rounds"
printf '  %-40s %8s ms\n' "orchestrate up (sql runner)" "$mbo" "psql -1 -f" "$mbp" "orchestrate up, a tenth of the file" "$mbt"
r=$(ratio "$mbo" "$mbp")
printf '  seed/psql_file    = %s  (goal <= 1.5: %s)\n' "$r" "$(verdict "$r" 1.5)"
printf '  whole/tenth       = %s  (linear is about 10; quadratic would be about 100)\n' "$(ratio "$mbo" "$mbt")"

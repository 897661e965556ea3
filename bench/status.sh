#!/usr/bin/env bash
# bench/status.sh [RUNS]: with the six-service example at head, in the same run:
#   orchestrate status                          (reads files in C++, two batched queries)
#   python3 -m alembic current per service      (what teams do today; psql for the sql services)
#   one psql call selecting the six version rows (the floor)
# then the same status over 60 generated services: per-service time must stay under 2x.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-15}
bench_setup status
ex="$root/examples/mindmirror"
PY=/usr/bin/python3
url=$(fresh_db bench_status)
DATABASE_URL=$url "$ORCH" -f "$root/services.toml" up >/dev/null

time_runs() {  # command...: prints the median wall time in ms over $runs runs
  local t=() start
  for ((i = 0; i < runs; i++)); do
    start=$(now_ms)
    "$@" >/dev/null 2>&1
    t+=($(($(now_ms) - start)))
  done
  median "${t[@]}"
}
status_once() { DATABASE_URL=$url "$ORCH" -f "$1" status --format json; }
alembic_loop() {
  for s in users habits journal practices; do (cd "$ex/$s" && DATABASE_URL=$url "$PY" -m alembic -c alembic.ini current); done
  for s in meals movements; do "$PSQL" -X -q "$url" -c "SELECT max(version) FROM $s.orchestrate_migrations"; done
}
floor_query="SELECT 'users', version_num FROM users.alembic_version UNION ALL SELECT 'habits', version_num FROM habits.alembic_version
 UNION ALL SELECT 'journal', version_num FROM journal.alembic_version UNION ALL SELECT 'practices', version_num FROM practices.alembic_version
 UNION ALL SELECT 'meals', max(version)::text FROM meals.orchestrate_migrations UNION ALL SELECT 'movements', max(version)::text FROM movements.orchestrate_migrations"
psql_floor() { "$PSQL" -X -q -A -t "$url" -c "$floor_query"; }

st6=$(time_runs status_once "$root/services.toml")
loop=$(runs=$(( runs > 5 ? 5 : runs )) time_runs alembic_loop)
floor=$(time_runs psql_floor)

# 60 services: 40 on the sql runner, 20 on Alembic (a generated project each), all migrated first.
gen=$(mktemp -d)
trap 'rm -rf "$gen"; "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
{
  printf '[project]\nname = "sixty"\ndatabase = "env:DATABASE_URL"\nmax_parallel = 8\n\n[runners.alembic]\ncommand = ["%s", "-m", "alembic"]\n' "$PY"
  for ((n = 1; n <= 60; n++)); do
    if ((n % 3 == 0)); then
      d="$gen/a$n"; mkdir -p "$d/migrations/versions"
      sed 's|^script_location.*|script_location = %(here)s/migrations|' "$ex/users/alembic.ini" >"$d/alembic.ini"
      printf 'import os, sys\nsys.path.insert(0, %s)\nfrom orchestrate_env import run\nrun(schema=os.environ["ORCHESTRATE_SCHEMA"])\n' \
        "'$ex/common'" >"$d/migrations/env.py"
      printf '"""create t"""\nimport os\nfrom alembic import op\nrevision = "r%04d"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    op.execute("CREATE TABLE %%s.t (id int)" %% os.environ["ORCHESTRATE_SCHEMA"])\n\ndef downgrade():\n    pass\n' \
        "$n" >"$d/migrations/versions/r${n}_create_t.py"
      printf '\n[services.s%d]\nschema = "s%d"\nrunner = "alembic"\npath = "a%d"\n' "$n" "$n" "$n"
    else
      mkdir -p "$gen/q$n"
      printf 'CREATE TABLE t (id int);\n' >"$gen/q$n/0001_t.sql"
      printf 'ALTER TABLE t ADD COLUMN note text;\n' >"$gen/q$n/0002_note.sql"
      printf '\n[services.s%d]\nschema = "s%d"\nrunner = "sql"\npath = "q%d"\n' "$n" "$n" "$n"
    fi
  done
} >"$gen/services.toml"
DATABASE_URL=$url "$ORCH" -f "$gen/services.toml" up >/dev/null
st60=$(time_runs status_once "$gen/services.toml")

echo
echo "status with everything at head, median of $runs runs ($(nproc) cores)"
printf '  %-46s %8s ms\n' "orchestrate status, 6 services" "$st6" "python3 -m alembic current loop (+psql), 6" "$loop" \
  "one psql call, six version rows (floor)" "$floor" "orchestrate status, 60 services" "$st60"
r1=$(ratio "$st6" "$loop"); r2=$(ratio "$st6" "$floor")
per6=$(awk -v t="$st6" 'BEGIN { printf "%.2f", t / 6 }'); per60=$(awk -v t="$st60" 'BEGIN { printf "%.2f", t / 60 }')
r3=$(ratio "$per60" "$per6")
echo
printf '  status/alembic_loop = %s  (goal <= 0.05: %s)\n' "$r1" "$(verdict "$r1" 0.05)"
printf '  status/psql_floor   = %s  (goal <= 3: %s)\n' "$r2" "$(verdict "$r2" 3)"
printf '  per service: %s ms at 6, %s ms at 60: ratio %s  (goal < 2: %s)\n' "$per6" "$per60" "$r3" "$(verdict "$r3" 1.999)"

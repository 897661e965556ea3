#!/usr/bin/env bash
# bench/rehearse.sh [ROUNDS]: what a rehearsal costs against the `up` it rehearses.
#   1. the six-service example at head plus one pending revision per service (a new table each):
#      `orchestrate rehearse` (pg_dump + pg_restore into a shadow, then the real up there, then DROP)
#      against a plain `orchestrate up` of the same pending work on a copy at the same state.
#   2. the same over 60 generated sql services (one applied and one pending file each).
# The dump/restore and the run in the shadow are printed apart (from the rehearsal-finished event).
# Goal: rehearse <= 3x up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${1:-3}
bench_setup rehearse
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"; "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT

# The example, copied, with a pending revision or file added to every service.
cp -r "$root/examples" "$work/"
sed "s#examples/#$work/examples/#g" "$root/services.toml" >"$work/services.toml"
add_pending_example() {
  local ex=$work/examples/mindmirror s head n dir
  for s in users habits journal practices; do
    head=$(cd "$ex/$s" && "$PY" -m alembic -c alembic.ini heads 2>/dev/null | awk '{print $1}' | head -1)
    dir=$(dirname "$(grep -rl "^revision = .${head}.$" "$ex/$s" --include=*.py | head -1)")
    printf '"""bench: one pending revision"""\nfrom alembic import op\nrevision = "zzbench_%s"\ndown_revision = "%s"\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    op.execute("CREATE TABLE %s.bench_pending (id int)")\n\ndef downgrade():\n    op.execute("DROP TABLE %s.bench_pending")\n' \
      "$s" "$head" "$s" "$s" >"$dir/zzbench_$s.py"
  done
  for s in meals movements; do
    n=$(ls "$ex/$s" | grep -E '^[0-9]+_.*\.sql$' | grep -v '\.down\.sql$' | sed 's/_.*//' | sort -n | tail -1)
    printf 'CREATE TABLE bench_pending (id int);\n' >"$ex/$s/$(printf '%04d' $((10#$n + 1)))_bench_pending.sql"
  done
}

# 60 sql services, each with one file applied and one pending.
gen_sixty() {
  local d=$work/sixty i
  mkdir -p "$d"
  printf '[project]\nname = "sixty"\ndatabase = "env:DATABASE_URL"\nmax_parallel = 8\n' >"$d/services.toml"
  for ((i = 1; i <= 60; i++)); do
    mkdir -p "$d/s$i"
    printf 'CREATE TABLE items (id bigint PRIMARY KEY, name text);\n' >"$d/s$i/0001_items.sql"
    printf '\n[services.s%d]\nschema = "s%d"\nrunner = "sql"\npath = "s%d"\n' "$i" "$i" "$i" >>"$d/services.toml"
  done
}
add_pending_sixty() { for ((i = 1; i <= 60; i++)); do printf 'ALTER TABLE items ADD COLUMN note text;\n' >"$work/sixty/s$i/0002_note.sql"; done; }

# measure MANIFEST_DIR NAME PREPARE: prints "rehearse_ms up_ms dump_ms restore_ms run_ms"
measure() {
  local dir=$1 name=$2 url t r u ev
  url=$(fresh_db "$name")
  (cd "$dir" && DATABASE_URL=$url "$ORCH" --no-dashboard up >/dev/null 2>&1) || { echo "setup up failed" >&2; exit 1; }
  $3
  ev=$work/events.jsonl
  t=$(now_ms)
  (cd "$dir" && DATABASE_URL=$url "$ORCH" --no-dashboard --events "$ev" rehearse >"$work/rehearse.out" 2>&1) ||
    { tail -30 "$work/rehearse.out" >&2; exit 1; }
  r=$(($(now_ms) - t))
  t=$(now_ms)
  (cd "$dir" && DATABASE_URL=$url "$ORCH" --no-dashboard up >/dev/null 2>&1) || { echo "up failed" >&2; exit 1; }
  u=$(($(now_ms) - t))
  "$PY" -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if "rehearsal-finished" in l][-1]
print(e["dump_ms"], e["restore_ms"], e["run_ms"])' "$ev" | { read -r d rs rn; echo "$r $u $d $rs $rn"; }
}

report() {  # title results...
  local title=$1; shift
  local R=() U=() D=() S=() N=()
  for line in "$@"; do read -r r u d s n <<<"$line"; R+=("$r"); U+=("$u"); D+=("$d"); S+=("$s"); N+=("$n"); done
  local mr mu
  mr=$(median "${R[@]}") mu=$(median "${U[@]}")
  echo "$title, median of ${#R[@]} rounds ($(nproc) cores)"
  printf '  %-40s %8s ms\n' "orchestrate rehearse (whole)" "$mr" "  pg_dump of the target" "$(median "${D[@]}")" \
    "  pg_restore into the shadow" "$(median "${S[@]}")" "  up in the shadow" "$(median "${N[@]}")" \
    "orchestrate up of the same pending work" "$mu"
  local q
  q=$(ratio "$mr" "$mu")
  printf '  rehearse/up = %s  (goal <= 3.0: %s)\n\n' "$q" "$(verdict "$q" 3.0)"
}

git_reset_example() { rm -rf "$work/examples"; cp -r "$root/examples" "$work/"; }
res=()
for ((i = 1; i <= rounds; i++)); do
  git_reset_example
  res+=("$(measure "$work" "bench_ex_$i" add_pending_example)")
  echo "round $i (example): ${res[-1]}" >&2
done
report "six-service example at head + one pending revision per service" "${res[@]}"

res=()
for ((i = 1; i <= rounds; i++)); do
  rm -rf "$work/sixty"; gen_sixty
  res+=("$(measure "$work/sixty" "bench_sixty_$i" add_pending_sixty)")
  echo "round $i (60 services): ${res[-1]}" >&2
done
report "60 generated sql services, one pending file each" "${res[@]}"

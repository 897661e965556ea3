#!/usr/bin/env bash
# bench/fleet.sh [TARGETS] [WORKERS...]: a shared rollout over TARGETS tenant databases (default 200;
# FLEET_FULL=1: 1000) on one local PostgreSQL behind orchestrate-delay-proxy at 10 ms one way (20 ms
# round trips), the state database behind it too. A light project: three SQL services (five
# migrations) and, in the second variant, one Alembic service (two revisions). In the same run:
#   1, 2, 4 (WORKERS) worker processes sharing one rollout at max_parallel 8, then 1 worker at 32
#   targets/s, speed-up over 1 worker, CPU ms per target, peak RSS per worker, and the state database's
#     statements and sessions per target (pg_stat_statements, pg_stat_database)
#   a no-op rollout over every target at head, against the first rollout of the same shape
#   status --target all, against one psql per target through the same proxy
# Not part of scripts/test.sh. FLEET_DELAY_MS sets the one-way delay.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
targets=${1:-200}
[[ ${FLEET_FULL:-0} == 1 && $# -lt 1 ]] && targets=1000
shift || true
workers=("$@")
((${#workers[@]})) || workers=(1 2 4)
delay=${FLEET_DELAY_MS:-10}
PROXY="$root/build/tests/orchestrate-delay-proxy"
PY=/usr/bin/python3

# A thousand databases are ~7.5 GB: on tmpfs only for the smaller fleets.
((targets <= 300)) && export ORCHESTRATE_PG_TMPFS=1
export ORCHESTRATE_PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c max_connections=900"
bench_setup fleet orchestrate orchestrate-delay-proxy
unset ORCHESTRATE_PG_TMPFS
work=$(mktemp -d)
proxy_pid=
cleanup() {
  [[ -n $proxy_pid ]] && kill "$proxy_pid" 2>/dev/null || true
  rm -rf "$work"
  "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
adm() { "$PSQL" -X -q -A -t "$ADMIN_URL" "$@"; }
adm -c "CREATE EXTENSION pg_stat_statements" -c "CREATE DATABASE fleet_state" >/dev/null
upstream=$(sed -E 's|.*@([^/]+)/.*|\1|' <<<"$ADMIN_URL")
"$PROXY" --listen 0 --upstream "$upstream" --delay-ms "$delay" >"$work/proxy.out" &
proxy_pid=$!
for _ in $(seq 50); do grep -q listening "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done
pport=$(sed -E 's/.*:([0-9]+)$/\1/' "$work/proxy.out")
via() { echo "postgresql://postgres@127.0.0.1:$pport/$1"; }

# The project: SQL services a (2 migrations), b (2), c (1); Alembic service d (2 revisions).
p="$work/project"
mkdir -p "$p"/{a,b,c} "$p/d/migrations/versions"
printf 'CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);\n' >"$p/a/0001_items.sql"
printf 'ALTER TABLE items ADD COLUMN note text;\nCREATE INDEX items_name ON items (name);\n' >"$p/a/0002_note.sql"
printf 'CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());\n' >"$p/b/0001_events.sql"
printf 'ALTER TABLE events ADD COLUMN kind text NOT NULL DEFAULT %s;\n' "'x'" >"$p/b/0002_kind.sql"
printf 'CREATE TABLE settings (k text PRIMARY KEY, v text);\n' >"$p/c/0001_settings.sql"
ex="$root/examples/mindmirror"
sed 's|^script_location.*|script_location = %(here)s/migrations|' "$ex/users/alembic.ini" >"$p/d/alembic.ini"
printf 'import os, sys\nsys.path.insert(0, %s)\nfrom orchestrate_env import run\nrun(schema=os.environ["ORCHESTRATE_SCHEMA"])\n' \
  "'$ex/common'" >"$p/d/migrations/env.py"
for r in 1 2; do
  down=None; ((r == 2)) && down='"r0001"'
  printf '"""step %d"""\nimport os\nfrom alembic import op\nrevision = "r000%d"\ndown_revision = %s\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    op.execute("CREATE TABLE %%s.t%d (id int)" %% os.environ["ORCHESTRATE_SCHEMA"])\n\ndef downgrade():\n    pass\n' \
    "$r" "$r" "$down" "$r" >"$p/d/migrations/versions/r000${r}_step.py"
done
manifest() {  # manifest VARIANT MAX_PARALLEL
  printf '[project]\nname = "fleet"\n\n[runners.alembic]\ncommand = ["%s", "-m", "alembic"]\n' "$PY"
  for s in a b c; do printf '\n[services.%s]\nschema = "%s"\nrunner = "sql"\npath = "%s"\n' "$s" "$s" "$s"; done
  [[ $1 == alembic ]] && printf '\n[services.d]\nschema = "d"\nrunner = "alembic"\npath = "d"\n'
  printf '\n[targets_from]\nfile = "targets.txt"\n\n[rollout]\nstate = "env:CONTROL_URL"\n\n'
  printf '[[rollout.wave]]\nname = "all"\ntargets = ["*"]\nmax_parallel = %d\nmax_failures = 0\n' "$2"
}

echo "creating $targets tenant databases ..." >&2
for ((i = 1; i <= targets; i++)); do printf 'CREATE DATABASE t%04d;\n' "$i"; done | adm >/dev/null
for ((i = 1; i <= targets; i++)); do printf 't%04d=%s\n' "$i" "$(via "$(printf 't%04d' "$i")")"; done >"$p/targets.txt"
export CONTROL_URL
CONTROL_URL=$(via fleet_state)

# Every tenant back to empty (directly, not through the proxy), and the state database's counters to zero.
reset_targets() {
  for ((i = 1; i <= targets; i++)); do printf 't%04d\n' "$i"; done |
    xargs -P 4 -I{} "$PSQL" -X -q "${ADMIN_URL%/*}/{}" -c "DROP SCHEMA IF EXISTS a, b, c, d, orchestrate CASCADE" >/dev/null 2>&1
}
state_oid=$(adm -c "SELECT oid FROM pg_database WHERE datname = 'fleet_state'")
state_stats() {  # statements and sessions the state database has seen
  sleep 1.2  # sessions are counted when they end, flushed within a second
  adm -c "SELECT pg_stat_clear_snapshot()" \
    -c "SELECT (SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = $state_oid) || ' ' ||
               (SELECT sessions FROM pg_stat_database WHERE datid = $state_oid)" | tail -1
}

# rollout RUN_ID VARIANT WORKERS MAX_PARALLEL: prints "wall_ms cpu_ms max_rss_kb statements sessions"
rollout() {
  manifest "$2" "$4" >"$p/services.toml"
  read -r st0 se0 < <(state_stats)
  local start pids=() w
  start=$(now_ms)
  for ((w = 0; w < $3; w++)); do
    (cd "$p" && JOB_COMPLETION_INDEX=$w /usr/bin/time -f "%U %S %M" -o "$work/time.$w" "$ORCH" rollout --run-id "$1" --yes \
      >"$work/out.$1.$w" 2>&1) &
    pids+=($!)
  done
  local failed=0
  for w in "${pids[@]}"; do wait "$w" || failed=1; done
  local wall=$(($(now_ms) - start))
  if ((failed)); then
    echo "error: rollout $1 failed; its workers' output:" >&2
    tail -n 20 "$work"/out."$1".* >&2
    exit 1
  fi
  read -r st1 se1 < <(state_stats)
  cat "$work"/time.* | awk -v wall="$wall" -v st=$((st1 - st0)) -v se=$((se1 - se0)) \
    '{cpu += ($1 + $2) * 1000; if ($3 > rss) rss = $3} END {printf "%d %d %d %d %d\n", wall, cpu, rss, st, se}'
  rm -f "$work"/time.*
}

declare -A wall cpu rss stmts sess
runs=()
for variant in sql alembic; do
  for n in "${workers[@]}"; do runs+=("${variant}_${n}_8"); done
  runs+=("${variant}_1_32")
done
for r in "${runs[@]}"; do
  IFS=_ read -r variant n mp <<<"$r"
  reset_targets
  echo "rollout: $variant, $n worker(s), max_parallel $mp ..." >&2
  read -r wall[$r] cpu[$r] rss[$r] stmts[$r] sess[$r] < <(rollout "run-$variant-$n-$mp" "$variant" "$n" "$mp")
done
# At head now (the last run of each variant was 1 worker at 32): the same again, with nothing to do.
declare -A noop
echo "no-op rollout (alembic variant, 1 worker, max_parallel 32) ..." >&2
read -r noop[wall] noop[cpu] noop[rss] noop[stmts] noop[sess] < <(rollout run-noop alembic 1 32)

# status --target all, against one psql per target (its services' version rows) through the same proxy.
echo "status --target all, and a psql loop ..." >&2
start=$(now_ms)
(cd "$p" && "$ORCH" status --target all --format json >"$work/status.json")
status_ms=$(($(now_ms) - start))
q="SELECT (SELECT max(version) FROM a.orchestrate_migrations), (SELECT max(version) FROM b.orchestrate_migrations),
   (SELECT max(version) FROM c.orchestrate_migrations), (SELECT version_num FROM d.alembic_version)"
start=$(now_ms)
for ((i = 1; i <= targets; i++)); do "$PSQL" -X -q -A -t "$(via "$(printf 't%04d' "$i")")" -c "$q" >/dev/null; done
loop_ms=$(($(now_ms) - start))

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "fleet: $targets targets, ${delay} ms one way (round trip $((2 * delay)) ms), $(nproc) cores, load average $load"
printf '  %-8s %7s %5s %9s %9s %7s %9s %8s %10s %10s\n' variant workers par wall_ms targets/s speedup cpu_ms/t rss_MB stmts/t sessions/t
for r in "${runs[@]}"; do
  IFS=_ read -r variant n mp <<<"$r"
  base=${wall[${variant}_${workers[0]}_8]}
  printf '  %-8s %7d %5d %9d %9.2f %7.2f %9.2f %8.1f %10.2f %10.3f\n' "$variant" "$n" "$mp" "${wall[$r]}" \
    "$(awk -v t="$targets" -v w="${wall[$r]}" 'BEGIN { print t * 1000 / w }')" "$(ratio "$base" "${wall[$r]}")" \
    "$(awk -v c="${cpu[$r]}" -v t="$targets" 'BEGIN { print c / t }')" "$(awk -v k="${rss[$r]}" 'BEGIN { print k / 1024 }')" \
    "$(awk -v s="${stmts[$r]}" -v t="$targets" 'BEGIN { print s / t }')" "$(awk -v s="${sess[$r]}" -v t="$targets" 'BEGIN { print s / t }')"
done
printf '  %-8s %7d %5d %9d %9.2f %7s %9.2f %8.1f %10.2f %10.3f   (no-op: every target at head)\n' alembic 1 32 "${noop[wall]}" \
  "$(awk -v t="$targets" -v w="${noop[wall]}" 'BEGIN { print t * 1000 / w }')" - \
  "$(awk -v c="${noop[cpu]}" -v t="$targets" 'BEGIN { print c / t }')" "$(awk -v k="${noop[rss]}" 'BEGIN { print k / 1024 }')" \
  "$(awk -v s="${noop[stmts]}" -v t="$targets" 'BEGIN { print s / t }')" "$(awk -v s="${noop[sess]}" -v t="$targets" 'BEGIN { print s / t }')"
printf '  status --target all: %d ms; one psql per target: %d ms\n' "$status_ms" "$loop_ms"

echo
last=${workers[${#workers[@]} - 1]}
s4=$(ratio "${wall[sql_${workers[0]}_8]}" "${wall[sql_${last}_8]}")
s32=$(ratio "${wall[sql_1_8]}" "${wall[sql_1_32]}")
printf '  sql: speed-up at %d workers over %d = %s  (goal >= 3.5: %s)\n' "$last" "${workers[0]}" "$s4" "$(verdict 3.5 "$s4")"
printf '  sql: 1 worker at max_parallel 32 over 8 = %s  (goal >= 3: %s)\n' "$s32" "$(verdict 3 "$s32")"
cs=$(awk -v c="${cpu[sql_1_8]}" -v t="$targets" 'BEGIN { printf "%.2f", c / t }')
ca=$(awk -v c="${cpu[alembic_1_8]}" -v t="$targets" 'BEGIN { printf "%.2f", c / t }')
printf '  CPU per target, sql-only (1 worker, 8): %s ms  (goal <= 3: %s)\n' "$cs" "$(verdict "$cs" 3)"
printf '  CPU per target, with Alembic (1 worker, 8, forked driver): %s ms  (goal <= 60: %s)\n' "$ca" "$(verdict "$ca" 60)"
rmax=0
for r in "${runs[@]}"; do [[ $r == sql* ]] && ((rss[$r] > rmax)) && rmax=${rss[$r]}; done
rm_mb=$(awk -v k="$rmax" 'BEGIN { printf "%.1f", k / 1024 }')
printf '  peak RSS per worker, sql-only: %s MB  (goal <= 50: %s)\n' "$rm_mb" "$(verdict "$rm_mb" 50)"
ramax=0
for r in "${runs[@]}"; do [[ $r == alembic* ]] && ((rss[$r] > ramax)) && ramax=${rss[$r]}; done
printf '  peak RSS per worker, with Alembic (the largest of orchestrate and its Python zygote): %s MB\n' \
  "$(awk -v k="$ramax" 'BEGIN { printf "%.1f", k / 1024 }')"
smax=0
for r in "${runs[@]}"; do
  v=$(awk -v s="${stmts[$r]}" -v t="$targets" 'BEGIN { printf "%.2f", s / t }')
  smax=$(awk -v a="$smax" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
done
printf '  state-db statements (round trips) per target, worst run: %s  (goal <= 10: %s)\n' "$smax" "$(verdict "$smax" 10)"
rn=$(ratio "${noop[wall]}" "${wall[alembic_1_32]}")
printf '  no-op rollout / first rollout (alembic, 1 worker, 32) = %s  (goal <= 0.05: %s)\n' "$rn" "$(verdict "$rn" 0.05)"
rs=$(ratio "$status_ms" "$loop_ms")
printf '  status --target all / psql loop = %s  (goal <= 0.1: %s)\n' "$rs" "$(verdict "$rs" 0.1)"

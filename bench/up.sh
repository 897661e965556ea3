#!/usr/bin/env bash
# bench/up.sh [ROUNDS]: the six-service example on a fresh database each round, three ways:
#   (a) orchestrate up
#   (b) the shell-script way: each service in order (alembic upgrade head / psql -1 -f per file)
#   (c) the best a shell script can do: the same DAG in waves with & and wait
# then, with everything at head, orchestrate's no-op run against the loop's no-op run and against
# `orchestrate status` (one connection, reads only): a no-op up should cost at most twice a status.
# Also the cost of one forked Alembic job (zygote fork to the job's first event), from the run logs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${1:-5}
bench_setup up
ex="$root/examples/mindmirror"
PY=/usr/bin/python3

alembic_up() { (cd "$ex/$1" && DATABASE_URL=$2 "$PY" -m alembic -c alembic.ini upgrade head >/dev/null 2>&1); }
sql_up() {  # service url: every file, in order, in its schema
  "$PSQL" -q -X "$2" -c "CREATE SCHEMA IF NOT EXISTS $1" >/dev/null
  for f in "$ex/$1"/[0-9]*.sql; do
    [[ $f == *.down.sql ]] && continue
    if head -1 "$f" | grep -q 'orchestrate:no-transaction'; then one=(); else one=(-1); fi
    PGOPTIONS="-c search_path=$1,public" "$PSQL" -q -X -v ON_ERROR_STOP=1 "${one[@]}" -f "$f" "$2" >/dev/null
  done
}
svc_up() { case $1 in meals|movements) sql_up "$1" "$2" ;; *) alembic_up "$1" "$2" ;; esac; }

loop_way() { for s in users habits journal meals movements practices; do svc_up "$s" "$1"; done; }
wave_way() {
  svc_up users "$1"
  for s in habits journal meals movements; do svc_up "$s" "$1" & done
  wait
  svc_up practices "$1"
}
loop_noop() {  # what the loop costs when nothing is pending: Python per Alembic service, a psql per SQL one
  for s in users habits journal practices; do alembic_up "$s" "$1"; done
  for s in meals movements; do "$PSQL" -q -X "$1" -c "SELECT 1" >/dev/null; done
}

a=() b=() c=() na=() nb=() ns=() forks=()
for ((i = 1; i <= rounds; i++)); do
  url=$(fresh_db bench_a); t=$(now_ms); DATABASE_URL=$url "$ORCH" -f "$root/services.toml" up >/dev/null; a+=($(($(now_ms) - t)))
  run_dir=$(ls -td "$root"/.orchestrate/logs/*/ | head -1 || true)  # ls meets SIGPIPE once head has its line
  forks+=($(grep -ho 'fork_ms=[0-9.]*' "$run_dir"*.log 2>/dev/null | sed 's/fork_ms=//' | awk '{printf "%d\n", $1 * 1000}'))
  t=$(now_ms); DATABASE_URL=$url "$ORCH" -f "$root/services.toml" up >/dev/null; na+=($(($(now_ms) - t)))
  t=$(now_ms); DATABASE_URL=$url "$ORCH" -f "$root/services.toml" status >/dev/null; ns+=($(($(now_ms) - t)))
  url=$(fresh_db bench_b); t=$(now_ms); loop_way "$url"; b+=($(($(now_ms) - t)))
  t=$(now_ms); loop_noop "$url"; nb+=($(($(now_ms) - t)))
  url=$(fresh_db bench_c); t=$(now_ms); wave_way "$url"; c+=($(($(now_ms) - t)))
  echo "round $i: up ${a[-1]} ms, loop ${b[-1]} ms, waves ${c[-1]} ms, noop ${na[-1]} ms, status ${ns[-1]} ms, loop_noop ${nb[-1]} ms" >&2
done
ma=$(median "${a[@]}") mb=$(median "${b[@]}") mc=$(median "${c[@]}") mna=$(median "${na[@]}") mnb=$(median "${nb[@]}") mns=$(median "${ns[@]}")
echo
echo "six-service example, fresh database, median of $rounds rounds ($(nproc) cores)"
printf '  %-34s %8s ms\n' "(a) orchestrate up" "$ma" "(b) shell loop, one by one" "$mb" "(c) shell waves with & and wait" "$mc" \
  "orchestrate up, all at head" "$mna" "orchestrate status, all at head" "$mns" "shell loop, all at head" "$mnb"
echo
r1=$(ratio "$ma" "$mb"); r2=$(ratio "$ma" "$mc"); r3=$(ratio "$mna" "$mnb"); r4=$(ratio "$mna" "$mns")
printf '  up/loop        = %s  (goal <= 0.30: %s)\n' "$r1" "$(verdict "$r1" 0.30)"
printf '  up/waves       = %s  (goal <= 1.0: %s)\n' "$r2" "$(verdict "$r2" 1.0)"
printf '  noop/loop_noop = %s  (goal <= 0.03: %s)\n' "$r3" "$(verdict "$r3" 0.03)"
printf '  noop/status    = %s  (goal <= 2.0: %s)\n' "$r4" "$(verdict "$r4" 2.0)"
if ((${#forks[@]} > 0)); then
  mf=$(median "${forks[@]}")
  fork_ms=$(awk -v us="$mf" 'BEGIN { printf "%.2f", us / 1000 }')
  printf '  one forked Alembic job, fork to first event = %s ms, median of %d jobs  (goal <= 15 ms: %s)\n' \
    "$fork_ms" "${#forks[@]}" "$(verdict "$fork_ms" 15)"
else
  echo "  one forked Alembic job: no fork_ms in the run logs (ORCHESTRATE_ALEMBIC_WARM=0?): MISSES goal"
fi

# Shared by the benchmarks: a throwaway PostgreSQL on tmpfs, fresh databases, timing, medians.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PSQL=/usr/lib/postgresql/15/bin/psql   # the real binary: /usr/bin/psql is a Perl wrapper (+~20 ms a call)
ORCH="${ORCHESTRATE_BIN:-${ORCH:-$root/build/orchestrate}}"  # ORCHESTRATE_BIN (or ORCH): measure another build as it is (before/after)

# bench_setup NAME [NINJA TARGET...]: deps, a build (of everything, or of the targets named), a server.
bench_setup() {
  if [[ -z ${ORCHESTRATE_BIN:-} ]]; then  # a given binary is measured as it is (a before/after comparison)
    "$root/scripts/install-deps.sh"
    "$root/scripts/build.sh" "${@:2}" >/dev/null
  fi
  export ORCHESTRATE_PG_STATE="$root/.orchestrate/bench-postgres-$1.env"
  export ORCHESTRATE_PG_TMPFS=1
  ADMIN_URL=$("$root/scripts/dev-postgres.sh" start)
  trap '"$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
}

# fresh_db NAME: drops and creates it, prints its URL.
fresh_db() {
  "$PSQL" -q -X "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null 2>&1
  echo "${ADMIN_URL%/*}/$1"
}

now_ms() { date +%s%3N; }

# median of the numbers given as arguments
median() {
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.3f", a / b }'; }

# verdict VALUE GOAL: "ok" when VALUE <= GOAL
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g) ? "meets goal" : "MISSES goal" }'; }

#!/usr/bin/env bash
# A throwaway PostgreSQL 15: initdb into a temporary directory, a free local port, trust auth.
#   scripts/dev-postgres.sh start   # prints nothing but the URL on stdout
#   scripts/dev-postgres.sh url
#   scripts/dev-postgres.sh stop    # stops it and deletes its data
# ORCHESTRATE_PG_STATE names the state file, so several instances (demo, tests, benchmarks) can coexist.
# ORCHESTRATE_PG_TMPFS=1 puts the data directory on /dev/shm (benchmarks: file creation is faster there).
# ORCHESTRATE_PG_OPTS adds server options (bench/fleet.sh: "-c shared_preload_libraries=pg_stat_statements").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${ORCHESTRATE_PG_STATE:-$root/.orchestrate/dev-postgres.env}
bin=/usr/lib/postgresql/15/bin

as_pg() {
  # PostgreSQL refuses to run as root; CI is root.
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Below the kernel's ephemeral range (ip_local_port_range, 32768 up by default): a port there can be
# the local end of some outgoing connection, which no probe sees and which makes the server's bind fail.
free_port() {
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((low > 20500)) || low=32768
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % (low - 20000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "error: no free port found" >&2
  exit 1
}

cmd=${1:-}
case "$cmd" in
  start)
    if [[ -f $state ]]; then "$0" stop >/dev/null 2>&1 || true; fi
    [[ -x $bin/initdb ]] || { echo "error: $bin/initdb not found; install postgresql-15" >&2; exit 1; }
    base=/tmp
    [[ ${ORCHESTRATE_PG_TMPFS:-0} == 1 && -d /dev/shm ]] && base=/dev/shm
    dir=$(mktemp -d "$base/orchestrate-pg.XXXXXX")
    chmod 755 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # Another server (a parallel test's) may take the port between the probe and the bind: try others.
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${ORCHESTRATE_PG_OPTS:-}" \
        start >/dev/null; then
        break
      fi
      if ((attempt == 5)) || ! grep -q "Address already in use" "$dir/server.log"; then
        cat "$dir/server.log" >&2
        exit 1
      fi
    done
    mkdir -p "$(dirname "$state")"
    url="postgresql://postgres@127.0.0.1:$port/postgres"
    printf 'PG_DIR=%q\nPG_PORT=%q\nPG_URL=%q\n' "$dir" "$port" "$url" >"$state"
    echo "$url"
    ;;
  url)
    [[ -f $state ]] || { echo "error: not running (no $state)" >&2; exit 1; }
    # shellcheck disable=SC1090
    source "$state"
    echo "$PG_URL"
    ;;
  stop)
    [[ -f $state ]] || { echo "not running"; exit 0; }
    # shellcheck disable=SC1090
    source "$state"
    as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    rm -f "$state"
    echo "stopped"
    ;;
  *)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# bench/fanout.sh [TARGETS]: a rollout of a light sql-only project (three services, five migrations)
# onto TARGETS fresh databases (default 50) in one wave, with max_parallel 1, 4, 8 and 16. Prints
# targets per second and the speed-up over 1, and orchestrate's own CPU time and peak memory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${1:-50}
bench_setup fanout
work=$(mktemp -d)
trap 'rm -rf "$work"; "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
mkdir -p "$work/accounts" "$work/orders" "$work/audit"
printf 'CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);\n' >"$work/accounts/0001_accounts.sql"
printf 'ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();\n' >"$work/accounts/0002_created_at.sql"
printf 'CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts.accounts (id), total numeric(10,2));\n' >"$work/orders/0001_orders.sql"
printf 'CREATE INDEX orders_account ON orders (account_id);\n' >"$work/orders/0002_index.sql"
printf 'CREATE TABLE events (id bigserial PRIMARY KEY, payload jsonb NOT NULL);\n' >"$work/audit/0001_events.sql"

run_wave() {  # max_parallel: prints "wall_ms user_s sys_s maxrss_kb"
  local par=$1
  {
    printf '[project]\nname = "fanout"\n\n'
    printf '[services.accounts]\nschema = "accounts"\nrunner = "sql"\npath = "accounts"\n\n'
    printf '[services.orders]\nschema = "orders"\nrunner = "sql"\npath = "orders"\ndepends_on = ["accounts"]\n\n'
    printf '[services.audit]\nschema = "audit"\nrunner = "sql"\npath = "audit"\n\n'
    for ((i = 1; i <= n; i++)); do printf '[targets.t%02d]\ndatabase = "%s/fan_%d"\n' "$i" "${ADMIN_URL%/*}" "$i"; done
    printf '\n[[rollout.wave]]\nname = "all"\ntargets = ["*"]\nmax_parallel = %d\nmax_failures = 0\n' "$par"
  } >"$work/services.toml"
  for ((i = 1; i <= n; i++)); do fresh_db "fan_$i" >/dev/null; done
  local t
  t=$(now_ms)
  (cd "$work" && /usr/bin/time -f '%U %S %M' -o "$work/time" "$ORCH" --no-dashboard rollout --yes >"$work/out" 2>&1) ||
    { tail -20 "$work/out" >&2; exit 1; }
  echo "$(($(now_ms) - t)) $(cat "$work/time")"
}

echo "rollout of a 3-service sql project onto $n databases, one wave ($(nproc) cores)"
printf '  %-13s %9s %12s %9s %14s %12s %10s\n' max_parallel wall_ms targets/s speedup "orch CPU s" "CPU/wall" "peak MB"
base=""
for par in 1 4 8 16; do
  read -r wall user sys rss < <(run_wave "$par")
  tps=$(awk -v n="$n" -v w="$wall" 'BEGIN { printf "%.1f", n / (w / 1000) }')
  [[ -z $base ]] && base=$tps
  printf '  %-13s %9s %12s %9s %14s %12s %10s\n' "$par" "$wall" "$tps" "$(ratio "$tps" "$base")" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" \
    "$(awk -v u="$user" -v s="$sys" -v w="$wall" 'BEGIN { printf "%.1f%%", (u + s) * 100000 / w }')" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
done
echo
echo "goals: near-linear speed-up until PostgreSQL is the bottleneck (2 cores here), orchestrate CPU under 10% of"
echo "wall time, peak memory under 50 MB"

#!/usr/bin/env bash
# bench/lint.sh [COUNT] [ROUNDS]: what the migration linter adds to `check`. COUNT pending SQL files
# (tables, columns, indexes, constraints: every rule has work to do) against an existing table with
# rows, checked with the database (the catalogue is read) and offline, each with and without the
# linter. Goal: check with lint <= 2x check without.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
count=${1:-500}
rounds=${2:-5}
bench_setup lint
work=$(mktemp -d)
trap 'rm -rf "$work"; "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
mkdir -p "$work/app"
echo "CREATE TABLE orders (id bigint PRIMARY KEY);" >"$work/app/0000_orders.sql"
cat >"$work/services.toml" <<EOT
[project]
name = "bench"
database = "env:DATABASE_URL"
[services.app]
schema = "app"
runner = "sql"
path = "app"
EOT
url=$(fresh_db bench_lint)
DATABASE_URL=$url "$ORCH" -f "$work/services.toml" up >/dev/null
"$PSQL" -q -X "$url" -c "INSERT INTO app.orders SELECT generate_series(1, 100000); ANALYZE app.orders;" >/dev/null
for ((n = 1; n <= count; n++)); do
  cat >"$work/app/$(printf '%04d' "$n")_m$n.sql" <<EOT
-- migration $n: a new table, a column and an index on the existing one
CREATE TABLE t_$n (id bigint PRIMARY KEY, owner bigint REFERENCES orders (id), note text);
CREATE INDEX t_${n}_owner ON t_$n (owner);
ALTER TABLE orders ADD COLUMN c_$n text DEFAULT 'x';
ALTER TABLE orders ADD CONSTRAINT k_$n CHECK (id > $n) NOT VALID;
CREATE INDEX orders_c_$n ON orders (c_$n);
CREATE FUNCTION f_$n() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT $n; END;
EOT
done
run() { local t; t=$(now_ms); DATABASE_URL=$url "$ORCH" -f "$work/services.toml" check "$@" >/dev/null || true; echo $(($(now_ms) - t)); }
db_lint=() db_plain=() off_lint=() off_plain=()
for ((i = 1; i <= rounds; i++)); do
  db_lint+=($(run)); db_plain+=($(run --no-lint)); off_lint+=($(run --offline)); off_plain+=($(run --offline --no-lint))
done
findings=$(DATABASE_URL=$url "$ORCH" -f "$work/services.toml" check --format json | grep -c '"rule": "' || true)
a=$(median "${db_lint[@]}") b=$(median "${db_plain[@]}") c=$(median "${off_lint[@]}") d=$(median "${off_plain[@]}")
echo "check over $count pending SQL files, median of $rounds ($findings lint findings):"
echo "  with the database: lint ${a} ms, --no-lint ${b} ms: ratio $(ratio "$a" "$b") (goal <= 2: $(verdict "$(ratio "$a" "$b")" 2))"
echo "  offline:           lint ${c} ms, --no-lint ${d} ms: ratio $(ratio "$c" "$d") (goal <= 2: $(verdict "$(ratio "$c" "$d")" 2))"

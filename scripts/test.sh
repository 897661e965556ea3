#!/usr/bin/env bash
# Installs what is missing, builds, starts a throwaway PostgreSQL, runs every test with ctest, and
# stops PostgreSQL again even when tests fail.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
echo "== build"
scripts/build.sh

echo "== throwaway PostgreSQL"
export ORCHESTRATE_PG_STATE="$root/.orchestrate/test-postgres.env"
url=$(scripts/dev-postgres.sh start)
pg_dir=$(sed -n 's/^PG_DIR=//p' "$ORCHESTRATE_PG_STATE")
# Absolute paths: ctest runs from build/, and the trap fires there. After stopping, make sure the
# server really is gone; a leftover postmaster or state file fails the run.
stop_postgres() {
  local rc=$?
  "$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true
  if pgrep -f -- "-D $pg_dir/data" >/dev/null 2>&1 || [[ -e $ORCHESTRATE_PG_STATE || -e $pg_dir ]]; then
    echo "error: the test PostgreSQL ($pg_dir) is still there after the tests; scripts/dev-postgres.sh stop failed" >&2
    rc=1
  fi
  exit "$rc"
}
trap stop_postgres EXIT
echo "test cluster at $url"
export ORCHESTRATE_TEST_ADMIN_URL="$url"
export ORCHESTRATE_REQUIRE_DB=1   # integration tests fail, not skip, without a database

echo "== tests"
cd build
ctest --output-on-failure --timeout 300 -j "$(nproc)" "$@"

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
trap 'scripts/dev-postgres.sh stop >/dev/null 2>&1 || true' EXIT
echo "test cluster at $url"
export ORCHESTRATE_TEST_ADMIN_URL="$url"
export ORCHESTRATE_REQUIRE_DB=1   # integration tests fail, not skip, without a database

echo "== tests"
cd build
ctest --output-on-failure --timeout 300 -j "$(nproc)" "$@"

#!/usr/bin/env bash
# The first thing to run: installs what is missing, builds, starts a throwaway PostgreSQL 15, runs
# `orchestrate up` on services.toml (six services) and leaves the database running to explore.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
echo "== building orchestrate"
scripts/build.sh orchestrate   # the tests are scripts/test.sh's business

echo "== starting a throwaway PostgreSQL 15"
export ORCHESTRATE_PG_STATE="$root/.orchestrate/dev-postgres.env"
DATABASE_URL=$(scripts/dev-postgres.sh start)
export DATABASE_URL
echo "   $DATABASE_URL"

echo "== orchestrate up"
rc=0
build/orchestrate -f services.toml up || rc=$?

cat <<EOT

The database is still running. To look around:
  export DATABASE_URL=$DATABASE_URL
  psql "\$DATABASE_URL" -c '\\dn'        # one schema per service
  build/orchestrate up                  # again: nothing to do, no Python started
Stop it with: scripts/dev-postgres.sh stop
EOT
exit $rc

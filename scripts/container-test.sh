#!/usr/bin/env bash
# Builds the orchestrate image with podman and runs it against a throwaway PostgreSQL:
#   1. `orchestrate version`, and `up` of the example from inside the container;
#   2. three containers at once (JOB_COMPLETION_INDEX=0,1,2) as one rollout over 12 target databases,
#      sharing a state database: every target applied exactly once.
# No registry is reachable: when debian:12-slim is missing, a minimal Debian 12 root file system is made
# with `debootstrap --variant=minbase` from this machine's apt sources and imported under that tag.
# Takes minutes; not part of scripts/test.sh. Needs root (rootful podman).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
image=orchestrate:test

for p in podman debootstrap runc; do
  command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done

# The mirror this machine's apt uses (deb822 or one-line sources).
mirror() {
  local m
  m=$(grep -hoE '^URIs: *http[^ ]*debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed 's/^URIs: *//')
  [[ -n $m ]] || m=$(grep -hoE '^deb +http[^ ]*debian/?( |$)' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
  echo "${m:-http://deb.debian.org/debian}"
}

if ! podman image exists debian:12-slim; then
  echo "== debian:12-slim: debootstrap --variant=minbase bookworm from $(mirror)"
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$rootfs" "$(mirror)" >"$rootfs.log" 2>&1 || { tail -20 "$rootfs.log"; exit 1; }
  tar -C "$rootfs" -c . | podman import - debian:12-slim >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
fi

# What this podman needs: try the defaults first, then explicit limits (a container may not raise its
# limits above what this machine grants; nproc near the host's limit is refused) with crun and runc.
candidates=("" "--network=host")
for rt in "" "--runtime runc"; do
  for nofile in "$(ulimit -Sn)" 4096 1024; do
    for nproc in 4096 1024; do candidates+=("$rt --network=host --ulimit nofile=$nofile:$nofile --ulimit nproc=$nproc:$nproc"); done
  done
done
flags=""
found=0
for c in "${candidates[@]}"; do
  # shellcheck disable=SC2086
  if podman run --rm $c debian:12-slim true >/dev/null 2>&1; then flags=$c; found=1; break; fi
done
((found)) || { echo "error: podman cannot run a container here; tried: ${candidates[*]}" >&2; exit 1; }
[[ $flags == *--network=host* ]] || flags="$flags --network=host"  # the containers reach the test PostgreSQL on 127.0.0.1
echo "== podman flags: $flags"

echo "== podman build $image"
# shellcheck disable=SC2086
podman build --pull=never $flags -t "$image" -f Dockerfile . >/tmp/orchestrate-container-build.log 2>&1 \
  || { tail -40 /tmp/orchestrate-container-build.log; exit 1; }

export ORCHESTRATE_PG_STATE="$root/.orchestrate/container-test-postgres.env"
admin=$(scripts/dev-postgres.sh start)
work=$(mktemp -d)
trap 'scripts/dev-postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
psql=/usr/lib/postgresql/15/bin/psql
db() { "$psql" -q -X "$admin" -c "CREATE DATABASE $1" >/dev/null; echo "${admin%/*}/$1"; }
# shellcheck disable=SC2086
run() { podman run --rm $flags "$@"; }

echo "== orchestrate version, inside the container"
run "$image" version

echo "== up of the example, inside the container"
example=$(db example)
run -e DATABASE_URL="$example" "$image" up --no-dashboard | tail -3
[[ $("$psql" -At -X "$example" -c "SELECT count(*) FROM orchestrate.runs WHERE outcome = 'succeeded'") == 1 ]] \
  || { echo "error: the example's up did not succeed" >&2; exit 1; }
grep -q 'uid=10001' <(run --entrypoint id "$image") || { echo "error: the image does not run as uid 10001" >&2; exit 1; }

echo "== three workers, one rollout, 12 targets"
control=$(db control)
mkdir -p "$work/app"
printf 'CREATE TABLE a (id int);\nSELECT pg_sleep(0.3);\n' >"$work/app/0001_a.sql"
for i in $(seq -w 1 12); do echo "tenant-$i=$(db "tenant_$i")"; done >"$work/targets.txt"
cat >"$work/services.toml" <<EOT
[project]
name = "fleet"

[services.app]
schema = "app"
runner = "sql"
path = "app"

[targets_from]
file = "targets.txt"

[rollout]
state = "env:CONTROL_DATABASE_URL"

[[rollout.wave]]
name = "canary"
targets = ["tenant-01"]

[[rollout.wave]]
name = "rest"
targets = ["*"]
max_parallel = 2
EOT
chmod -R a+rwX "$work"
pids=()
for i in 0 1 2; do
  run -v "$work:/fleet" -e CONTROL_DATABASE_URL="$control" -e JOB_COMPLETION_INDEX=$i "$image" \
    -f /fleet/services.toml rollout --run-id container-1 --yes --no-dashboard >"$work/worker-$i.log" 2>&1 &
  pids+=($!)
done
status=0
for i in 0 1 2; do
  if ! wait "${pids[$i]}"; then echo "worker $i failed:"; tail -20 "$work/worker-$i.log"; status=1; fi
done
for i in $(seq -w 1 12); do
  runs=$("$psql" -At -X "${admin%/*}/tenant_$i" -c "SELECT count(*) FROM orchestrate.runs")
  [[ $runs == 1 ]] || { echo "error: tenant-$i was run $runs times" >&2; status=1; }
done
outcome=$("$psql" -At -X "$control" -c "SELECT outcome FROM orchestrate_rollout.rollouts WHERE run_id = 'container-1'")
workers=$("$psql" -At -X "$control" -c "SELECT string_agg(DISTINCT split_part(worker, '@', 1), ',') FROM orchestrate_rollout.targets")
echo "rollout container-1: $outcome; workers that ran targets: $workers"
[[ $outcome == succeeded ]] || status=1
((status == 0)) && echo "container test passed: every target applied exactly once"
exit $status

#!/usr/bin/env bash
# Configures and builds into build/ (Ninja, RelWithDebInfo). Quiet unless something fails.
#   scripts/build.sh                # everything, tests included
#   scripts/build.sh orchestrate    # only the named ninja targets
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p build
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >build/configure.log 2>&1 || {
    cat build/configure.log >&2
    echo "error: cmake configure failed (log above, also in build/configure.log)" >&2
    exit 1
  }
fi
if ! ninja -C build -j "$(nproc)" "$@" >build/ninja.log 2>&1; then
  grep -v '^\[' build/ninja.log >&2 || cat build/ninja.log >&2
  echo "error: build failed (full log in build/ninja.log)" >&2
  exit 1
fi
echo "built build/orchestrate"

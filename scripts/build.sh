#!/usr/bin/env bash
# Configures and builds into build/ (Ninja, RelWithDebInfo). Prints only what matters.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >build-configure.log 2>&1 || {
    cat build-configure.log >&2
    exit 1
  }
  rm -f build-configure.log
fi
ninja -C build -j "$(nproc)" | grep -v '^\[' || true
test "${PIPESTATUS[0]}" -eq 0

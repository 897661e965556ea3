#!/usr/bin/env bash
# Installs the Debian packages orchestrate needs, only those that are missing.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ pkg-config git
  libboost-dev libboost-filesystem-dev
  libpqxx-dev libpg-query-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libssl-dev
  postgresql-15 postgresql-client-15
  python3 python3-alembic python3-sqlalchemy python3-psycopg2 python3-asyncpg
  util-linux procps tmux
  time                       # bench/fleet.sh: CPU and peak RSS per worker (/usr/bin/time)
  pgbouncer                  # tests/integration/pooler_test.cc: a real pooler in both modes
  clang libclang-rt-14-dev   # scripts/fuzz.sh: libFuzzer with ASan and UBSan
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "installing: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "error: missing packages and not root; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed ${#missing[@]} package(s)"

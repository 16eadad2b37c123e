#!/usr/bin/env bash
# Installs everything AIM needs on a fresh Debian 12 machine. Idempotent.
# Usage: sudo scripts/setup.sh   (or as root)
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config
  # libraries (see README "Dependencies" for why each is here)
  libcaf-dev libabsl-dev libxxhash-dev libzstd-dev zlib1g-dev
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libjemalloc-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # fuzzing and sanitizers
  clang libclang-rt-14-dev
  # benchmark peers (aim-bench only, never the engine): SQLite and RocksDB
  # as storage peers, universal-ctags as a parsing peer, gnuplot for the chart
  libsqlite3-dev librocksdb-dev universal-ctags gnuplot-nox
  # real Rust crates used as test and benchmark corpora
  librust-tokio-dev librust-serde-dev librust-regex-dev librust-clap-dev librust-syn-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q -o DPkg::Lock::Timeout=900 "${missing[@]}"

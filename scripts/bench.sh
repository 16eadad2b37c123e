#!/usr/bin/env bash
# The benchmarking rig from a clean clone, one command: install dependencies
# (benchmark peers included), build aim-bench (Release), run it niced on the
# Debian crates (or on --corpus DIR) and print the results directory.
# Arguments go to aim-bench (see `build/bench/aim-bench --help`), e.g.
#   scripts/bench.sh --quick --corpus tests/fixtures
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
nice cmake --build build -j2 --target aim-bench
exec nice build/bench/aim-bench "$@"

#!/usr/bin/env bash
# New machine, one command: install dependencies, build, and pass every test.
#  1. Release build with warnings as errors; all tests (ctest).
#  2. The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
# AIM_TEST_FAST=1 skips step 2.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== build (Release, -Werror) and test"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIM_WERROR=ON >/dev/null
cmake --build build -j2
ctest --test-dir build -j2 --output-on-failure

if [ "${AIM_TEST_FAST:-0}" != "1" ]; then
  echo "== build and test under ASan + UBSan"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIM_WERROR=ON \
    -DAIM_SANITIZE=address -DAIM_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -j2 --output-on-failure
fi

#!/usr/bin/env bash
# New machine, one command: install dependencies, build, and pass every test.
#  1. Release build with warnings as errors and the crash harness's kill
#     points compiled in; all tests (ctest), the crash harness's quick run
#     (crash_harness_quick) among them.
#  2. The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
#  3. With AIM_TEST_TSAN=1: the concurrent tests (actors, live engine, group
#     commit, compaction alongside writes, watcher, graph images loaded by
#     sections at once, checkpoints compressed in frames on threads) under
#     ThreadSanitizer.
# AIM_TEST_FAST=1 skips step 2.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== build (Release, -Werror) and test"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIM_WERROR=ON \
  -DAIM_KILL_POINTS=ON >/dev/null  # kill points for the crash harness (test builds only)
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

if [ "${AIM_TEST_TSAN:-0}" = "1" ]; then
  echo "== build and test the concurrent parts under TSan"
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAIM_WERROR=ON \
    -DAIM_SANITIZE=thread -DAIM_BUILD_BENCH=OFF >/dev/null
  tsan_tests="engine_live_test actors_left_right_test actors_live_actors_test actors_watcher_test wal_log_test recovery_store_test engine_durability_test graph_image_test recovery_checkpoint_test"
  # shellcheck disable=SC2086
  cmake --build build-tsan -j2 --target $tsan_tests
  TSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir build-tsan -j2 --output-on-failure \
      -R '^(Modes/LiveIsolationTest|LiveTest|LeftRightTest|ActorTest|Watcher|LogTest|LogFaultTest|LogPosixTest|StoreTest|DurabilityTest|ImageTest|Checkpoint\.(LargePayload|DamagedFrames|StreamedGraph))'
fi

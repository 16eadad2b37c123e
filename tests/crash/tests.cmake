# tests/crash: the crash harness's own checks and regression tests for what
# it found; and the harness's CI quick run (fault_injection/aim_crash.cc).
aim_test(crash_harness_test crash/harness_test.cc)
target_link_libraries(crash_harness_test PRIVATE aim_crash_harness aim_recovery aim_wal)
# A few hundred kill cycles (blackbox, and kill points when compiled in),
# power cuts and the I/O fault loops: under two minutes on 2 cores (fewer
# cycles under the sanitizers, which are several times slower).
if(AIM_SANITIZE STREQUAL "")
  set(AIM_CRASH_QUICK_CYCLES 150)
else()
  set(AIM_CRASH_QUICK_CYCLES 40)
endif()
add_test(NAME crash_harness_quick
  COMMAND aim-crash all --seed 1 --cycles ${AIM_CRASH_QUICK_CYCLES}
          --dir ${CMAKE_CURRENT_BINARY_DIR}/crash-scratch)
set_tests_properties(crash_harness_quick PROPERTIES TIMEOUT 900)
aim_test(crash_regression_test crash/regression_test.cc)
target_link_libraries(crash_regression_test PRIVATE aim_crash_harness aim_wal)

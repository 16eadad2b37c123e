# tests/recovery: checkpoints and the FileInput codec.
aim_test(recovery_checkpoint_test recovery/checkpoint_test.cc)
target_link_libraries(recovery_checkpoint_test PRIVATE aim_recovery aim_wal zstd::libzstd_shared)
aim_test(recovery_checkpoint_alloc_test recovery/checkpoint_alloc_test.cc)
target_link_libraries(recovery_checkpoint_alloc_test PRIVATE aim_recovery aim_wal)

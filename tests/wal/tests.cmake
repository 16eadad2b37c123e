# tests/wal: the log's building blocks.
aim_test(wal_crc32c_test wal/crc32c_test.cc)
target_link_libraries(wal_crc32c_test PRIVATE aim_wal)
aim_test(wal_log_test wal/log_test.cc)
target_link_libraries(wal_log_test PRIVATE aim_wal aim_fault)
aim_test(wal_log_damage_test wal/log_damage_test.cc)
target_link_libraries(wal_log_damage_test PRIVATE aim_wal)

# tests/actors: the live engine's components.
aim_test(actors_watcher_test actors/watcher_test.cc)
target_link_libraries(actors_watcher_test PRIVATE aim_watcher)

# tests/actors: the live engine's components.
aim_test(actors_watcher_test actors/watcher_test.cc)
target_link_libraries(actors_watcher_test PRIVATE aim_watcher)
# Actors stepped by CAF's testing scheduler (deterministic; no sleeps).
aim_test(actors_live_actors_test actors/live_actors_test.cc)
target_link_libraries(actors_live_actors_test PRIVATE aim_engine aim_rust caf::core)

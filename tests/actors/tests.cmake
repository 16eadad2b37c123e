# tests/actors: the live engine's components.
aim_test(actors_watcher_test actors/watcher_test.cc)
target_link_libraries(actors_watcher_test PRIVATE aim_watcher)
# Actors stepped by CAF's testing scheduler (deterministic; no sleeps).
aim_test(actors_live_actors_test actors/live_actors_test.cc)
target_link_libraries(actors_live_actors_test PRIVATE aim_engine aim_rust caf::core)
# tests/actors: the daemon's protocol, server, client and lock, and the
# `aim` tool talking to a daemon.
aim_test(actors_protocol_test actors/protocol_test.cc)
target_link_libraries(actors_protocol_test PRIVATE aim_protocol aim_engine nlohmann_json::nlohmann_json)
aim_test(actors_server_test actors/server_test.cc)
target_link_libraries(actors_server_test PRIVATE aim_server aim_engine nlohmann_json::nlohmann_json)
aim_test(actors_cli_daemon_test actors/cli_daemon_test.cc)
target_link_libraries(actors_cli_daemon_test PRIVATE aim_server aim_engine)
target_compile_definitions(actors_cli_daemon_test PRIVATE AIM_BINARY="$<TARGET_FILE:aim>")
add_dependencies(actors_cli_daemon_test aim)
# Snapshot isolation's primitive (two copies, one writer, many readers).
aim_test(actors_left_right_test actors/left_right_test.cc)

# tests/query: the query layer over the zoo fixture (tests/query/zoo_fixture.h)
# and over real crates when the registry is there.
aim_test(query_test
  query/lookup_test.cc
  query/deps_test.cc
  query/cycles_test.cc
  query/search_test.cc
  query/context_test.cc
  query/determinism_test.cc
  query/display_order_test.cc
  query/one_hop_test.cc)
target_link_libraries(query_test PRIVATE aim_query)

#include <gtest/gtest.h>

#include <iostream>

#include "tests/support/graph_fixture.h"

TEST(GraphSmoke, Geometry) {
  aim::graph::Graph g;
  auto inputs = aim::testing::LoadTree(std::string(AIM_SOURCE_DIR) + "/examples/geometry");
  ASSERT_FALSE(inputs.empty());
  aim::testing::IngestAll(g, inputs);
  for (const auto& s : aim::testing::EdgeStrings(g, true)) std::cout << s << "\n";
  EXPECT_GT(g.edge_count(), 0u);
}

// Queries of one hop (what-implements, callers and callees of depth 1,
// uses, used-by) read their answers off the adjacency lists, which the
// graph keeps in Graph::EdgeBefore order; the general walk orders what it
// reaches itself. On a real crate (where hubs take more edges in one
// update than they place one by one, and are sorted when it ends): fresh,
// after random edits in batches and one by one, and loaded from an image
// both ways, every list is in order and both give the same hits and paths
// for every entity.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "engine/query/traverse.h"
#include "tests/support/graph_fixture.h"
#include "tests/support/random_edits.h"

namespace aim::query {
namespace {

using internal::KindBit;

void ExpectListsInOrder(const Graph& g) {
  size_t wrong = 0;
  for (EntityIdx e : g.LiveEntities())
    for (auto list : {g.out(e), g.in(e)})
      for (size_t i = 1; i < list.size(); ++i)
        if (g.EdgeBefore(list[i], list[i - 1])) ++wrong;
  EXPECT_EQ(wrong, 0u) << "edges out of order";
}

void ExpectOneHopIsAWalk(const Graph& g) {
  ExpectListsInOrder(g);
  size_t compared = 0;
  for (EntityIdx e : g.LiveEntities()) {
    for (bool up : {true, false}) {
      for (uint8_t kinds :
           {KindBit(EdgeKind::kCalls), KindBit(EdgeKind::kImplements),
            KindBit(EdgeKind::kUses), internal::kAllKinds}) {
        const Hits one = internal::OneHop(g, e, up, kinds);
        internal::WalkSpec spec;
        spec.up = up;
        spec.kinds = kinds;
        spec.max_depth = 1;
        const Hits walk = internal::ToHits(internal::Walk(g, e, spec), up);
        ASSERT_EQ(one.size(), walk.size()) << g.qualified(e).str();
        for (size_t i = 0; i < one.size(); ++i) {
          ASSERT_EQ(one[i].entity, walk[i].entity)
              << g.qualified(e).str() << " hit " << i;
          ASSERT_EQ(one[i].depth, walk[i].depth);
          ASSERT_EQ(one.PathOf(one[i]), walk.PathOf(walk[i]))
              << g.qualified(e).str() << " hit " << i;
        }
        compared += one.size();
      }
    }
  }
  EXPECT_GT(compared, 1000u);  // a real crate has thousands of edges
}

TEST(OneHopTest, ReadsTheSortedListsOfARealCrate) {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/regex-1.7.1/src";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not installed";
  std::map<std::string, std::string> tree = aim::testing::ReadSourceTree(dir);
  ASSERT_GT(tree.size(), 10u);
  Graph g;
  g.BeginBatch();
  for (const auto& [p, t] : tree)
    g.UpsertFile(aim::testing::SourceInput("regex", p, t));
  g.EndBatch();
  {
    SCOPED_TRACE("fresh ingest");
    ExpectOneHopIsAWalk(g);
  }
  aim::testing::RandomEditor ed(tree, 7);
  for (int step = 0; step < 30; ++step) {
    const bool batch = step % 3 != 0;
    if (batch) g.BeginBatch();
    for (int i = 0; i < (batch ? 3 : 1); ++i)
      aim::testing::ApplyEdit(g, "regex", ed, ed.Step());
    if (batch) g.EndBatch();
  }
  {
    SCOPED_TRACE("after edits");
    ExpectOneHopIsAWalk(g);
  }
  std::string image;
  g.SaveImage(&image);
  for (auto parts : {Graph::ImageParts::kAll, Graph::ImageParts::kQueries}) {
    SCOPED_TRACE(parts == Graph::ImageParts::kAll ? "loaded whole"
                                                  : "loaded for queries");
    auto loaded = Graph::LoadImage(image, nullptr, parts);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ExpectOneHopIsAWalk(**loaded);
  }
}

}  // namespace
}  // namespace aim::query

// Display order (SortByQualified) with and without the search index's
// ranks: the same order, also after the graph changed under the index.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "engine/query/search_index.h"
#include "engine/query/traverse.h"
#include "tests/query/query_test_util.h"

namespace aim::query {
namespace {

using ::aim::testing::FromSources;
using ::aim::testing::ZooGraph;

std::vector<EntityIdx> Entities(const Hits& hits) {
  std::vector<EntityIdx> out;
  for (const Hit& h : hits) out.push_back(h.entity);
  return out;
}

// Every query's hits about every entity, put in display order with the
// index (whole, and the first few only) and without it.
void ExpectSameOrder(const Graph& g, const SearchIndex* index) {
  for (EntityIdx e : g.LiveEntities()) {
    for (const Hits& hits :
         {BlastRadius(g, e, 4), BlastRadius(g, e, 4, Direction::kDown),
          Callers(g, e, 3), Callees(g, e, 3), WhatImplements(g, e),
          UsedBy(g, e)}) {
      Hits by_path = hits;
      SortByQualified(g, by_path);
      for (size_t i = 1; i < by_path.size(); ++i) {
        const Hit& a = by_path[i - 1];
        const Hit& b = by_path[i];
        ASSERT_TRUE(a.depth < b.depth ||
                    (a.depth == b.depth &&
                     internal::QualifiedLess(g, a.entity, b.entity)));
      }
      Hits by_rank = hits;
      SortByQualified(g, index, by_rank);
      EXPECT_EQ(Entities(by_rank), Entities(by_path)) << testing::Q(g, e);
      for (size_t limit : {size_t{0}, size_t{1}, size_t{3}}) {
        Hits first = hits;
        SortByQualified(g, index, first, limit);
        ASSERT_EQ(first.size(), hits.size());
        const size_t n = std::min(limit, hits.size());
        for (size_t i = 0; i < n; ++i) {
          EXPECT_EQ(first[i].entity, by_path[i].entity);
          EXPECT_EQ(first.PathOf(first[i]), by_path.PathOf(by_path[i]));
        }
      }
    }
  }
}

TEST(DisplayOrderTest, RanksFollowQualifiedPathsThenIds) {
  auto g = ZooGraph();
  SearchIndex index(*g);
  std::vector<EntityIdx> all = g->LiveEntities();
  for (EntityIdx e : all)
    ASSERT_NE(index.QualifiedRank(e), SearchIndex::kNoRank);
  std::sort(all.begin(), all.end(), [&](EntityIdx a, EntityIdx b) {
    return internal::QualifiedLess(*g, a, b);
  });
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(index.QualifiedRank(all[i]), i) << testing::Q(*g, all[i]);
  EXPECT_EQ(index.QualifiedRank(static_cast<EntityIdx>(g->slot_count() + 3)),
            SearchIndex::kNoRank);
}

TEST(DisplayOrderTest, SameOrderWithAndWithoutTheIndex) {
  auto g = ZooGraph();
  SearchIndex index(*g);
  ExpectSameOrder(*g, &index);
  ExpectSameOrder(*g, nullptr);
}

TEST(DisplayOrderTest, RanksOfChangedEntitiesAreDroppedOnSync) {
  auto g = ZooGraph();
  SearchIndex index(*g);
  // New entities (that sort among the old ones), and removed ones whose
  // slots are then reused.
  const EntityIdx circle = testing::Find(*g, "zoo::shapes::Circle");
  ASSERT_NE(index.QualifiedRank(circle), SearchIndex::kNoRank);
  ASSERT_TRUE(g->RemoveFile("src/shapes.rs"));
  g->UpsertFile(FromSources(
      "zoo",
      {{"src/render.rs",
        "use crate::Area;\npub struct Canvas;\npub fn a_first() {}\n"
        "pub fn draw(c: &Canvas) -> f64 { helper(c); a_first(); 0.0 }\n"
        "pub fn helper(c: &Canvas) -> f64 { draw(c) }\n"
        "impl Area for Canvas { fn area(&self) -> f64 { 1.0 } }\n"}})[0]);
  g->UpsertFile(
      FromSources("zoo", {{"src/shapes.rs",
                           "pub struct Circle;\npub struct Bee;\n"
                           "impl crate::Area for Bee {\n"
                           "  fn area(&self) -> f64 { 2.0 }\n}\n"}})[0]);
  index.Sync(*g);
  ASSERT_GT(index.delta_size(), 0u);  // some entities ranked, some not
  size_t ranked = 0, unranked = 0;
  for (EntityIdx e : g->LiveEntities())
    ++(index.QualifiedRank(e) == SearchIndex::kNoRank ? unranked : ranked);
  EXPECT_GT(ranked, 0u);
  EXPECT_GT(unranked, 0u);
  ExpectSameOrder(*g, &index);

  // A fresh index ranks everything again.
  SearchIndex fresh(*g);
  for (EntityIdx e : g->LiveEntities())
    EXPECT_NE(fresh.QualifiedRank(e), SearchIndex::kNoRank);
  ExpectSameOrder(*g, &fresh);
}

TEST(DisplayOrderTest, SameOrderOnARealCrate) {
  std::unique_ptr<graph::Graph> real = testing::RealCrateGraph();
  if (!real) GTEST_SKIP() << "regex-syntax-0.6.27 not installed";
  graph::Graph& g = *real;
  SearchIndex index(g);
  std::vector<EntityIdx> all = g.LiveEntities();
  std::sort(all.begin(), all.end(), [&](EntityIdx a, EntityIdx b) {
    return internal::QualifiedLess(g, a, b);
  });
  for (size_t i = 0; i < all.size(); ++i)
    ASSERT_EQ(index.QualifiedRank(all[i]), i) << testing::Q(g, all[i]);
  size_t n = 0;
  for (EntityIdx e : g.LiveEntities()) {
    if (n++ % 5 != 0) continue;  // a sample keeps the test quick
    Hits by_path = BlastRadius(g, e);
    Hits by_rank = by_path;
    SortByQualified(g, by_path);
    SortByQualified(g, &index, by_rank);
    ASSERT_EQ(Entities(by_rank), Entities(by_path)) << testing::Q(g, e);
  }
}

}  // namespace
}  // namespace aim::query

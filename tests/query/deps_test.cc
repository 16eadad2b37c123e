// Dependency queries over the zoo: what-implements, callers, callees, uses,
// used-by, blast radius, shortest path.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/query/traverse.h"
#include "tests/query/query_test_util.h"

namespace aim::query {
namespace {

using ::aim::testing::HitFor;
using ::aim::testing::HitStrings;
using ::aim::testing::PathStrings;
using ::aim::testing::ZooGraph;
using Strings = std::vector<std::string>;

class DepsTest : public ::testing::Test {
 protected:
  void SetUp() override { g_ = ZooGraph(); }
  EntityIdx E(std::string_view name) {
    EntityIdx e = testing::Find(*g_, name);
    EXPECT_NE(e, graph::kNoEntity) << name;
    return e;
  }
  Strings HitNames(const Hits& hits) { return HitStrings(*g_, hits); }
  Strings Path(const Hits& hits, std::string_view who) {
    const Hit* h = HitFor(*g_, hits, who);
    EXPECT_NE(h, nullptr) << who;
    return h ? PathStrings(*g_, hits.PathOf(*h)) : Strings{};
  }
  std::unique_ptr<Graph> g_;
};

TEST_F(DepsTest, WhatImplementsTypesAndImplsForReferences) {
  auto hits = WhatImplements(*g_, E("zoo::Area"));
  // `impl<'a> Area for &'a Square` links Square itself (through the
  // reference's referent), so Square is listed once.
  EXPECT_EQ(HitNames(hits),
            (Strings{"1 zoo::shapes::Circle", "1 zoo::shapes::Square"}));
  EXPECT_EQ(
      Path(hits, "zoo::shapes::Circle"),
      Strings{"implements zoo::shapes::Circle -> zoo::Area @src/shapes.rs:19"});
  size_t square_impls = 0;
  for (const auto& ed : g_->out(E("zoo::shapes::Square")))
    if (ed.kind == EdgeKind::kImplements && ed.other == E("zoo::Area"))
      ++square_impls;
  EXPECT_EQ(square_impls, 2u);
}

TEST_F(DepsTest, WhatImplementsBlanketImplIsFlagged) {
  auto hits = WhatImplements(*g_, E("zoo::Describe"));
  EXPECT_EQ(HitNames(hits), Strings{"1 zoo::impl Describe for T"});
  const query::Path path = hits.PathOf(hits[0]);
  ASSERT_EQ(path.size(), 1u);
  EXPECT_TRUE(path[0].flags & graph::kEdgeBlanket);
  EXPECT_EQ(Path(hits, "zoo::impl Describe for T"),
            Strings{"implements zoo::impl Describe for T -> zoo::Describe "
                    "@src/lib.rs:14 blanket"});
}

TEST_F(DepsTest, WhatImplementsDerives) {
  auto hits = WhatImplements(*g_, E("Debug"));
  EXPECT_EQ(HitNames(hits), Strings{"1 zoo::shapes::Circle"});
  EXPECT_EQ(
      Path(hits, "zoo::shapes::Circle"),
      Strings{
          "implements zoo::shapes::Circle -> std::fmt::Debug @src/shapes.rs:4 "
          "derive"});
  EXPECT_TRUE(WhatImplements(*g_, E("zoo::entry")).empty());
}

TEST_F(DepsTest, CallersOneHopAndDeeper) {
  const EntityIdx area = E("zoo::Area::area");
  EXPECT_EQ(HitNames(Callers(*g_, area)),
            (Strings{"1 zoo::T::describe", "1 zoo::render::helper"}));
  auto deep = Callers(*g_, area, 3);
  EXPECT_EQ(HitNames(deep),
            (Strings{"1 zoo::T::describe", "1 zoo::render::helper",
                     "2 zoo::render::draw", "3 zoo::entry"}));
  // Reverse queries: the path runs from the hit to the start.
  EXPECT_EQ(
      Path(deep, "zoo::entry"),
      (Strings{
          "calls zoo::entry -> zoo::render::draw @src/lib.rs:22",
          "calls zoo::render::draw -> zoo::render::helper @src/render.rs:9",
          "calls zoo::render::helper -> zoo::Area::area @src/render.rs:13"}));
  EXPECT_EQ(Path(deep, "zoo::T::describe"),
            Strings{"calls zoo::T::describe -> zoo::Area::area @src/lib.rs:16 "
                    "ambiguous"});
}

TEST_F(DepsTest, CallersSkipTheStartAndVisitOnce) {
  EXPECT_TRUE(Callers(*g_, E("countdown"), 5).empty());  // only itself
  EXPECT_EQ(HitNames(Callers(*g_, E("ping"), 4)),
            (Strings{"1 zoo::render::pong", "1 zoo::util::bounce"}));
  EXPECT_TRUE(Callers(*g_, E("ping"), 0).empty());
}

TEST_F(DepsTest, CalleesOneHopAndDeeper) {
  const EntityIdx entry = E("zoo::entry");
  EXPECT_EQ(HitNames(Callees(*g_, entry)),
            (Strings{"1 zoo::render::draw", "1 zoo::shapes::Circle::new"}));
  auto deep = Callees(*g_, entry, 3);
  EXPECT_EQ(HitNames(deep),
            (Strings{"1 zoo::render::draw", "1 zoo::shapes::Circle::new",
                     "2 zoo::render::helper", "3 zoo::Area::area"}));
  // Forward queries: the path runs from the start to the hit.
  EXPECT_EQ(
      Path(deep, "zoo::Area::area"),
      (Strings{
          "calls zoo::entry -> zoo::render::draw @src/lib.rs:22",
          "calls zoo::render::draw -> zoo::render::helper @src/render.rs:9",
          "calls zoo::render::helper -> zoo::Area::area @src/render.rs:13"}));
}

TEST_F(DepsTest, CalleesOfAnAmbiguousMethodCall) {
  auto hits = Callees(*g_, E("zoo::T::describe"), 2);
  EXPECT_EQ(HitNames(hits),
            (Strings{"1 zoo::Area::area", "1 zoo::shapes::&'aSquare::area",
                     "1 zoo::shapes::Circle::area",
                     "1 zoo::shapes::Square::area", "1 zoo::util::format_area",
                     "2 to_string", "2 zoo::util::square"}));
  // Three callers of `square` are at depth 1: one of them (the least by
  // id) is on the path, every time.
  const Hit* square = HitFor(*g_, hits, "zoo::util::square");
  ASSERT_NE(square, nullptr);
  const query::Path path = hits.PathOf(*square);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_TRUE(testing::IsChain(path, E("zoo::T::describe"), E("square")));
  const uint64_t first_id =
      std::min({g_->entity(E("zoo::shapes::Circle::area")).id,
                g_->entity(E("zoo::shapes::Square::area")).id,
                g_->entity(E("zoo::shapes::&'aSquare::area")).id});
  EXPECT_EQ(g_->entity(path[1].from).id, first_id);
}

TEST_F(DepsTest, UsesAndUsedBy) {
  EXPECT_EQ(HitNames(Uses(*g_, E("Canvas"))),
            (Strings{"1 std::vec::Vec", "1 zoo::shapes::Circle"}));
  EXPECT_EQ(HitNames(UsedBy(*g_, E("Circle"))),
            (Strings{"1 zoo::render::Canvas", "1 zoo::render::draw",
                     "1 zoo::render::helper", "1 zoo::shapes::Circle::new"}));
  auto users = UsedBy(*g_, E("Circle"));
  EXPECT_EQ(
      Path(users, "zoo::render::draw"),
      Strings{
          "uses zoo::render::draw -> zoo::shapes::Circle @src/render.rs:8"});
}

TEST_F(DepsTest, BlastRadiusOfATypeReachesItsMembersDependents) {
  auto hits = BlastRadius(*g_, E("Circle"));
  EXPECT_EQ(HitNames(hits),
            (Strings{"1 zoo::T::describe", "1 zoo::entry", "1 zoo::render",
                     "1 zoo::render::Canvas", "1 zoo::render::draw",
                     "1 zoo::render::helper"}));
  // Through a member: the path ends with the `contains` hops into it.
  EXPECT_EQ(
      Path(hits, "zoo::entry"),
      (Strings{"calls zoo::entry -> zoo::shapes::Circle::new @src/lib.rs:21",
               "contains zoo::shapes::impl Circle -> zoo::shapes::Circle::new "
               "@src/shapes.rs:14",
               "contains zoo::shapes::Circle -> zoo::shapes::impl Circle "
               "@src/shapes.rs:13"}));
  EXPECT_EQ(
      Path(hits, "zoo::render"),
      Strings{"imports zoo::render -> zoo::shapes::Circle @src/render.rs:1"});
}

TEST_F(DepsTest, BlastRadiusOfATraitIsTransitiveAndDepthBounded) {
  const EntityIdx area = E("zoo::Area");
  auto hits = BlastRadius(*g_, area);
  EXPECT_EQ(HitNames(hits),
            (Strings{"1 zoo::T::describe", "1 zoo::render",
                     "1 zoo::render::helper", "1 zoo::shapes",
                     "1 zoo::shapes::Circle", "1 zoo::shapes::Square",
                     "2 zoo::render::Canvas", "2 zoo::render::draw",
                     "2 zoo::shapes::Circle::new", "3 zoo::entry"}));
  // `entry` calls both `draw` and `Circle::new` (depth 2): its path goes
  // through one of them, to a member or to the trait itself.
  const Hit* entry = HitFor(*g_, hits, "zoo::entry");
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(testing::IsChain(hits.PathOf(*entry), E("zoo::entry"), area));
  EXPECT_GE(hits.PathLength(*entry), 3u);
  EXPECT_EQ(
      Path(hits, "zoo::render::Canvas"),
      (Strings{
          "uses zoo::render::Canvas -> zoo::shapes::Circle @src/render.rs:5",
          "implements zoo::shapes::Circle -> zoo::Area @src/shapes.rs:19"}));
  EXPECT_EQ(HitNames(BlastRadius(*g_, area, 1)).size(), 6u);
  EXPECT_TRUE(BlastRadius(*g_, area, 0).empty());
}

TEST_F(DepsTest, BlastRadiusDownFollowsDependencies) {
  auto hits = BlastRadius(*g_, E("Circle"), 3, Direction::kDown);
  EXPECT_EQ(HitNames(hits),
            (Strings{"1 std::clone::Clone", "1 std::fmt::Debug", "1 zoo::Area",
                     "1 zoo::util::square"}));
  EXPECT_EQ(
      Path(hits, "zoo::util::square"),
      (Strings{
          "contains zoo::shapes::Circle -> zoo::shapes::impl Area for Circle "
          "@src/shapes.rs:19",
          "contains zoo::shapes::impl Area for Circle -> "
          "zoo::shapes::Circle::area @src/shapes.rs:20",
          "calls zoo::shapes::Circle::area -> zoo::util::square "
          "@src/shapes.rs:21"}));
  EXPECT_EQ(HitNames(BlastRadius(*g_, E("zoo::entry"), 2, Direction::kDown)),
            (Strings{"1 zoo::render::draw", "1 zoo::shapes::Circle::new",
                     "2 zoo::render::helper", "2 zoo::shapes::Circle"}));
}

TEST_F(DepsTest, ShortestPath) {
  auto p = ShortestPath(*g_, E("bounce"), E("pong"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(
      PathStrings(*g_, *p),
      (Strings{
          "calls zoo::util::bounce -> zoo::render::ping @src/util.rs:16",
          "calls zoo::render::ping -> zoo::render::pong @src/render.rs:17"}));
  auto q = ShortestPath(*g_, E("zoo"), E("square"));
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(
      PathStrings(*g_, *q),
      (Strings{"contains zoo -> zoo::util @src/lib.rs:4",
               "contains zoo::util -> zoo::util::square @src/util.rs:3"}));
  EXPECT_FALSE(ShortestPath(*g_, E("pong"), E("bounce")).has_value());
  auto self = ShortestPath(*g_, E("pong"), E("pong"));
  ASSERT_TRUE(self.has_value());
  EXPECT_TRUE(self->empty());
  EXPECT_FALSE(ShortestPath(*g_, E("pong"), graph::kNoEntity).has_value());
}

TEST_F(DepsTest, ShortestPathIsShortestAndChained) {
  auto p = ShortestPath(*g_, E("zoo::entry"), E("zoo::util::square"));
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(),
            5u);  // e.g. entry -> draw -uses-> Circle -> impl -> area -> square
  EXPECT_EQ((*p)[0].from, E("zoo::entry"));
  EXPECT_EQ(p->back().to, E("zoo::util::square"));
  for (size_t i = 1; i < p->size(); ++i)
    EXPECT_EQ((*p)[i - 1].to, (*p)[i].from);
}

TEST_F(DepsTest, EveryPathIsAChainBetweenHitAndStart) {
  for (EntityIdx e : g_->LiveEntities()) {
    const Hits up = BlastRadius(*g_, e, 4);
    for (const Hit& h : up)
      EXPECT_TRUE(testing::IsChain(up.PathOf(h), h.entity, e))
          << testing::Q(*g_, e);
    const Hits down = BlastRadius(*g_, e, 4, Direction::kDown);
    for (const Hit& h : down)
      EXPECT_TRUE(testing::IsChain(down.PathOf(h), e, h.entity))
          << testing::Q(*g_, e);
    const Hits callers = Callers(*g_, e, 4);
    for (const Hit& h : callers) {
      EXPECT_TRUE(testing::IsChain(callers.PathOf(h), h.entity, e));
      EXPECT_EQ(callers.PathLength(h), h.depth);
    }
  }
}

// The walks about `e`, rendered with paths.
std::string WalksOf(const Graph& g, EntityIdx e) {
  std::string out;
  for (const Hits& hits :
       {BlastRadius(g, e, 4), BlastRadius(g, e, 4, Direction::kDown),
        Callers(g, e, 3), Callees(g, e, 3)}) {
    for (const Hit& h : hits) {
      out += std::to_string(h.depth) + " " + testing::Q(g, h.entity);
      for (const auto& p : PathStrings(g, hits.PathOf(h))) out += "; " + p;
      out += "\n";
    }
    out += "--\n";
  }
  return out;
}

TEST_F(DepsTest, HitsAreNearestFirstInAnOrderOfContentAlone) {
  auto hits = BlastRadius(*g_, E("zoo::Area"));
  ASSERT_GT(hits.size(), 3u);
  for (size_t i = 1; i < hits.size(); ++i)
    EXPECT_LE(hits[i - 1].depth, hits[i].depth);
  // Within a depth, hits come as the walk reached them, which the lists'
  // order (by the other end's id) fixes: the files ingested in the
  // opposite order (other slots, lists filled in another order) give the
  // same hits, paths and order for every entity, one by one and in a
  // batch.
  std::vector<graph::FileInput> inputs =
      testing::FromSources("zoo", testing::ZooSources());
  std::reverse(inputs.begin(), inputs.end());
  Graph batch, one_by_one;
  testing::IngestAll(batch, inputs);
  for (const graph::FileInput& f : inputs) one_by_one.UpsertFile(f);
  size_t walked = 0;
  for (EntityIdx e : g_->LiveEntities()) {
    const std::string want = WalksOf(*g_, e);
    for (const Graph* other : {&batch, &one_by_one}) {
      const EntityIdx o = other->ById(g_->entity(e).id);
      ASSERT_NE(o, graph::kNoEntity) << testing::Q(*g_, e);
      EXPECT_EQ(WalksOf(*other, o), want) << testing::Q(*g_, e);
    }
    walked += want.size() > 100;
  }
  EXPECT_GT(walked, 10u);
}

TEST_F(DepsTest, WalksDoNotDependOnTheWalksBefore) {
  // Walks note what they reached in per-thread scratch, and each clears
  // what the one before it left. So an entity's walks are the same run
  // first, after every other entity's, in either order, and after walks
  // of a larger graph (more slots) and of one as small.
  const std::vector<EntityIdx> all = g_->LiveEntities();
  std::vector<std::string> want;
  for (EntityIdx e : all) {
    std::unique_ptr<Graph> fresh = testing::ZooGraph();  // nothing walked yet
    want.push_back(WalksOf(*fresh, e));
  }
  std::unique_ptr<Graph> real = testing::RealCrateGraph();
  std::vector<EntityIdx> real_all;
  if (real) real_all = real->LiveEntities();
  std::unique_ptr<Graph> other = testing::ZooGraph();
  size_t checked = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(WalksOf(*g_, all[i]), want[i]) << testing::Q(*g_, all[i]);
    checked += want[i].size() > 100;
  }
  for (size_t i = all.size(); i-- > 0;) {
    if (!real_all.empty()) WalksOf(*real, real_all[i * 7919 % real_all.size()]);
    WalksOf(*other, all[(i + 1) % all.size()]);
    EXPECT_EQ(WalksOf(*g_, all[i]), want[i]) << testing::Q(*g_, all[i]);
  }
  EXPECT_GT(checked, 10u);
}

TEST_F(DepsTest, DeadOrMissingStartGivesNothing) {
  EXPECT_TRUE(Callers(*g_, graph::kNoEntity).empty());
  EXPECT_TRUE(
      BlastRadius(*g_, static_cast<EntityIdx>(g_->slot_count() + 5)).empty());
}

}  // namespace
}  // namespace aim::query

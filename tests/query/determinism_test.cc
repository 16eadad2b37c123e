// Query results do not depend on the order of the edits that built the
// graph (adjacency lists and slots do).
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "engine/query/search_index.h"
#include "tests/query/query_test_util.h"

namespace aim::query {
namespace {

using ::aim::testing::FromSources;
using ::aim::testing::HitStrings;
using ::aim::testing::PathStrings;
using ::aim::testing::Q;

// Every query about every entity, rendered by qualified paths.
std::string Everything(const Graph& g) {
  std::vector<EntityIdx> all = g.LiveEntities();
  std::sort(all.begin(), all.end(), [&](EntityIdx a, EntityIdx b) {
    return g.entity(a).id < g.entity(b).id;
  });
  std::ostringstream out;
  auto hits = [&](const char* what, const Hits& hs) {
    out << what << ":";
    for (const Hit& h : hs) {
      out << " " << h.depth << " " << Q(g, h.entity) << " [";
      for (const auto& p : PathStrings(g, hs.PathOf(h))) out << p << "; ";
      out << "]";
    }
    out << "\n";
  };
  SearchIndex index(g);
  for (EntityIdx e : all) {
    out << "== " << Q(g, e) << "\n";
    hits("implements", WhatImplements(g, e));
    hits("callers", Callers(g, e, 3));
    hits("callees", Callees(g, e, 3));
    hits("uses", Uses(g, e));
    hits("used-by", UsedBy(g, e));
    hits("blast-up", BlastRadius(g, e));
    hits("blast-down", BlastRadius(g, e, 3, Direction::kDown));
    out << Context(g, e, 120);
    for (const SearchHit& s : Search(g, index, g.str(g.entity(e).name), 5))
      out << "search " << Q(g, s.entity) << " " << s.match << "\n";
    for (EntityIdx b : all) {
      auto p = ShortestPath(g, e, b);
      if (p) out << "path " << Q(g, b) << " " << p->size() << "\n";
    }
  }
  for (auto scope : {CycleScope::kCalls, CycleScope::kModules})
    for (const auto& c : Cycles(g, scope)) {
      for (EntityIdx e : c) out << Q(g, e) << " ";
      out << "\n";
    }
  return out.str();
}

TEST(DeterminismTest, SameAnswersWhateverTheEditOrder) {
  auto batch = testing::ZooGraph();

  // One file at a time, in reverse order, with a detour through other
  // contents for two files.
  graph::Graph edited;
  auto inputs = FromSources("zoo", testing::ZooSources());
  std::reverse(inputs.begin(), inputs.end());
  for (const auto& in : inputs) edited.UpsertFile(in);
  auto detour = FromSources(
      "zoo", {{"src/render.rs", "pub fn ping() {}\npub struct Canvas;\n"},
              {"src/shapes.rs", "pub struct Circle;\n"}});
  for (const auto& in : detour) edited.UpsertFile(in);
  for (const auto& in : inputs)
    if (in.path == "src/render.rs" || in.path == "src/shapes.rs")
      edited.UpsertFile(in);

  ASSERT_EQ(batch->Digest(), edited.Digest());
  // The graphs differ in slots and in the order of adjacency lists.
  bool differ = false;
  for (EntityIdx e : batch->LiveEntities()) {
    const EntityIdx o = edited.ById(batch->entity(e).id);
    ASSERT_NE(o, graph::kNoEntity);
    differ |= o != e;
    const auto a = batch->in(e), b = edited.in(o);
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
      differ |= batch->entity(a[i].other).id != edited.entity(b[i].other).id;
  }
  EXPECT_TRUE(differ);
  const std::string everything = Everything(*batch);
  EXPECT_GT(everything.size(), 10000u);
  EXPECT_EQ(everything, Everything(edited));
}

}  // namespace
}  // namespace aim::query

// Cycles: SCCs over calls and over module imports.
#include <gtest/gtest.h>

#include "tests/query/query_test_util.h"

namespace aim::query {
namespace {

using ::aim::testing::FromSources;
using ::aim::testing::IngestAll;
using ::aim::testing::Q;
using ::aim::testing::ZooGraph;
using Cycle = std::vector<std::string>;

std::vector<Cycle> Render(const Graph& g,
                          const std::vector<std::vector<EntityIdx>>& cycles) {
  std::vector<Cycle> out;
  for (const auto& c : cycles) {
    Cycle names;
    for (EntityIdx e : c) names.push_back(Q(g, e));
    out.push_back(names);
  }
  return out;
}

TEST(CyclesTest, CallCyclesIncludeSelfLoops) {
  auto g = ZooGraph();
  EXPECT_EQ(Render(*g, Cycles(*g, CycleScope::kCalls)),
            (std::vector<Cycle>{{"zoo::render::ping", "zoo::render::pong"},
                                {"zoo::util::countdown"}}));
}

TEST(CyclesTest, ModuleImportCycle) {
  auto g = ZooGraph();
  // render -> shapes (Circle), shapes -> util (square), util -> render
  // (ping); render and shapes also import zoo::Area, but the crate root
  // imports nothing, so it is not on the cycle.
  EXPECT_EQ(Render(*g, Cycles(*g, CycleScope::kModules)),
            (std::vector<Cycle>{{"zoo::render", "zoo::shapes", "zoo::util"}}));
}

TEST(CyclesTest, ModuleCyclesCountImportsInsideItemsAndOfModules) {
  graph::Graph g;
  IngestAll(
      g,
      FromSources(
          "m",
          {
              {"src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"},
              // An import inside a fn body counts for the fn's module.
              {"src/a.rs",
               "pub fn fa() { use crate::b::Kb; }\npub struct Ka;\n"},
              // Importing a module itself links to that module.
              {"src/b.rs", "use crate::c;\npub struct Kb;\n"},
              // Importing an associated item links to the module of its owner.
              {"src/c.rs", "use crate::a::Ka;\npub fn fc() {}\n"},
          }));
  EXPECT_EQ(Render(g, Cycles(g, CycleScope::kModules)),
            (std::vector<Cycle>{{"m::a", "m::b", "m::c"}}));
  EXPECT_TRUE(Cycles(g, CycleScope::kCalls).empty());
}

TEST(CyclesTest, SeveralComponentsAreSortedAndLongChainsNeedNoRecursion) {
  // A call chain far deeper than any native stack would allow recursion
  // over: f0 -> f1 -> ... -> fN -> f0, plus a separate pair.
  constexpr int kN = 20000;
  std::string src;
  for (int i = 0; i < kN; ++i)
    src += "pub fn f" + std::to_string(i) + "() { f" +
           std::to_string((i + 1) % kN) + "(); }\n";
  src += "pub fn a() { b(); }\npub fn b() { a(); }\npub fn lone() { a(); }\n";
  graph::Graph g;
  IngestAll(g, FromSources("deep", {{"src/lib.rs", src}}));
  auto cycles = Cycles(g, CycleScope::kCalls);
  ASSERT_EQ(cycles.size(), 2u);
  EXPECT_EQ(Render(g, {cycles[0]}),
            (std::vector<Cycle>{{"deep::a", "deep::b"}}));
  EXPECT_EQ(cycles[1].size(), static_cast<size_t>(kN));
  EXPECT_EQ(Q(g, cycles[1][0]), "deep::f0");
  EXPECT_EQ(Q(g, cycles[1][1]), "deep::f1");
  EXPECT_EQ(Q(g, cycles[1][2]), "deep::f10");
}

}  // namespace
}  // namespace aim::query

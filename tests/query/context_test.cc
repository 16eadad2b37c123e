// Context: the exact pack, the budget, determinism.
#include <gtest/gtest.h>

#include "tests/query/query_test_util.h"

namespace aim::query {
namespace {

using ::aim::testing::ZooGraph;

constexpr std::string_view kDrawPack =
    "# zoo::render::draw (fn)\n"
    "pub fn draw(c: &Circle) -> f64\n"
    "at src/render.rs:8\n"
    "## callers\n"
    "- [1] zoo::entry (fn) src/lib.rs:20: pub fn entry() -> f64\n"
    "## callees\n"
    "- [1] zoo::render::helper (fn) src/render.rs:12: fn helper(c: &Circle) -> "
    "f64\n"
    "- [2] zoo::Area::area (trait_method) src/lib.rs:7: fn area(&self) -> f64\n"
    "## uses\n"
    "- [1] zoo::shapes::Circle (struct) src/shapes.rs:5: pub struct Circle\n";

TEST(ContextTest, FullPack) {
  auto g = ZooGraph();
  EXPECT_EQ(Context(*g, testing::Find(*g, "draw")), kDrawPack);
}

TEST(ContextTest, TraitPackListsMembersAndImplementors) {
  auto g = ZooGraph();
  EXPECT_EQ(
      Context(*g, testing::Find(*g, "zoo::Area")),
      "# zoo::Area (trait)\n"
      "pub trait Area\n"
      "at src/lib.rs:6\n"
      "## members\n"
      "- [1] zoo::Area::area (trait_method) src/lib.rs:7: fn area(&self) -> "
      "f64\n"
      "## implementors\n"
      "- [1] zoo::shapes::Circle (struct) src/shapes.rs:5: pub struct Circle\n"
      "- [1] zoo::shapes::Square (struct) src/shapes.rs:9: pub struct Square\n");
}

TEST(ContextTest, ExternalHasNoLocation) {
  auto g = ZooGraph();
  EXPECT_EQ(Context(*g, testing::Find(*g, "Debug")),
            "# Debug (external)\n"
            "at external\n"
            "## implementors\n"
            "- [1] zoo::shapes::Circle (struct) src/shapes.rs:5: pub struct "
            "Circle\n");
}

TEST(ContextTest, NeverExceedsTheBudgetAndKeepsNearestFirst) {
  auto g = ZooGraph();
  const EntityIdx draw = testing::Find(*g, "draw");
  size_t last_lines = 0;
  for (uint32_t budget = 0; budget < 200; ++budget) {
    const std::string pack = Context(*g, draw, budget);
    ASSERT_LE(pack.size(), budget * 4u) << budget;
    size_t lines = 0;
    for (size_t i = 0; i + 1 < pack.size(); ++i)
      lines += pack[i] == '\n' && pack[i + 1] == '-';
    EXPECT_GE(lines, last_lines) << budget;
    last_lines = lines;
    if (pack.find("(") != std::string::npos &&
        pack.find("more omitted") != std::string::npos) {
      // Depth-2 lines come only after every depth-1 line.
      if (pack.find("[2]") != std::string::npos) {
        EXPECT_NE(pack.find("[1] zoo::shapes::Circle"), std::string::npos);
      }
    }
  }
  EXPECT_EQ(Context(*g, draw, 200), kDrawPack);
}

TEST(ContextTest, TightBudgetSaysWhatWasLeftOut) {
  auto g = ZooGraph();
  const EntityIdx draw = testing::Find(*g, "draw");
  // Room for the header, the callers line and the trailer, not more.
  const std::string head =
      "# zoo::render::draw (fn)\npub fn draw(c: &Circle) -> f64\nat "
      "src/render.rs:8\n"
      "## callers\n- [1] zoo::entry (fn) src/lib.rs:20: pub fn entry() -> "
      "f64\n";
  const std::string expected = head + "(3 more omitted)\n";
  const uint32_t budget = static_cast<uint32_t>((expected.size() + 3) / 4);
  const std::string pack = Context(*g, draw, budget);
  EXPECT_EQ(pack, expected);
  // A budget smaller than the header cuts the header.
  EXPECT_EQ(Context(*g, draw, 3), "# zoo::rende");
  EXPECT_EQ(Context(*g, draw, 0), "");
}

TEST(ContextTest, DeadEntityGivesNothing) {
  auto g = ZooGraph();
  EXPECT_EQ(Context(*g, graph::kNoEntity), "");
}

}  // namespace
}  // namespace aim::query

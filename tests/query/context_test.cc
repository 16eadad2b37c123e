// Context: the exact pack, the budget, determinism, and the same packs as
// a plain reference implementation.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "engine/query/search_index.h"
#include "engine/query/traverse.h"
#include "tests/query/query_test_util.h"

namespace aim::query {
namespace {

using ::aim::testing::ZooGraph;

// The pack as first written: every line built, all of them sorted, then
// taken while they fit. Context, which writes only the lines it takes,
// must give exactly this.
constexpr uint32_t kNeighbourDepth = 2;
enum Section { kMembers, kCallers, kCallees, kImplementors, kUses, kSections };
constexpr std::string_view kSectionTitle[kSections] = {
    "## members\n", "## callers\n", "## callees\n", "## implementors\n",
    "## uses\n"};

struct Line {
  Section section;
  uint32_t depth;
  bool ambiguous;
  uint32_t order;  // position within its section's list
  std::string text;
};

std::string OneLine(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

std::string Location(const Graph& g, const graph::Entity& en) {
  if (en.kind == EntityKind::kExternal) return "external";
  return std::string(g.str(en.file)) + ":" + std::to_string(en.line);
}

std::string LineFor(const Graph& g, EntityIdx e, uint32_t depth,
                    bool ambiguous = false) {
  const graph::Entity& en = g.entity(e);
  std::string s = "- [" + std::to_string(depth) + "] ";
  s += g.qualified(en).str();
  s += " (";
  s += model::EntityKindName(en.kind);
  if (ambiguous) s += ", ambiguous";
  s += ")";
  if (en.kind != EntityKind::kExternal) s += " " + Location(g, en);
  if (!g.str(en.sig).empty()) s += ": " + OneLine(g.str(en.sig));
  s += "\n";
  return s;
}

// The items of a type's impl blocks, or of a trait, by qualified path.
std::vector<EntityIdx> Members(const Graph& g, EntityIdx e) {
  std::vector<EntityIdx> out;
  if (!model::IsType(g.entity(e).kind)) return out;
  for (const graph::Edge& ed : g.out(e)) {
    if (ed.kind != EdgeKind::kContains) continue;
    if (g.entity(ed.other).kind != EntityKind::kImpl) {
      out.push_back(ed.other);
      continue;
    }
    for (const graph::Edge& m : g.out(ed.other))
      if (m.kind == EdgeKind::kContains) out.push_back(m.other);
  }
  std::sort(out.begin(), out.end(), [&](EntityIdx a, EntityIdx b) {
    return internal::QualifiedLess(g, a, b);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
void CutTo(std::string& s, size_t n) {
  if (s.size() <= n) return;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

std::string ReferenceContext(const Graph& g, EntityIdx e,
                             uint32_t budget_tokens) {
  const size_t budget = static_cast<size_t>(budget_tokens) * 4;
  if (!g.live(e)) return "";
  const graph::Entity& en = g.entity(e);
  std::string out = "# " + std::string(g.qualified(en).str()) + " (" +
                    std::string(model::EntityKindName(en.kind)) + ")\n";
  if (!g.str(en.sig).empty()) out += OneLine(g.str(en.sig)) + "\n";
  out += "at " + Location(g, en) + "\n";
  if (out.size() >= budget) {
    CutTo(out, budget);
    return out;
  }

  std::vector<Line> lines;
  // A hit is ambiguous if the entity that reached it is, or if every edge
  // of the walk's kind between the two is.
  auto add_hits = [&](Section s, EdgeKind kind, Hits hits) {
    SortByQualified(g, hits);
    std::map<EntityIdx, bool> ambiguous{{e, false}};
    std::vector<Hit> by_depth(hits.begin(), hits.end());
    std::stable_sort(by_depth.begin(), by_depth.end(),
                     [](const Hit& a, const Hit& b) { return a.depth < b.depth; });
    for (const Hit& h : by_depth) {
      // The hop into the hit (a path runs the edges' way: from the hit for
      // a walk up, to it for a walk down).
      Hop last;
      for (const Hop& hop : hits.PathOf(h))
        if (hop.from == h.entity || hop.to == h.entity) last = hop;
      const EntityIdx near = last.from == h.entity ? last.to : last.from;
      bool sure = false;
      for (const graph::Edge& ed : g.out(last.from))
        sure |= ed.other == last.to && ed.kind == kind &&
                ed.confidence != model::Confidence::kAmbiguous;
      ambiguous[h.entity] = ambiguous.at(near) || !sure;
    }
    for (uint32_t i = 0; i < hits.size(); ++i) {
      const bool amb = ambiguous.at(hits[i].entity);
      lines.push_back({s, hits[i].depth, amb, i,
                       LineFor(g, hits[i].entity, hits[i].depth, amb)});
    }
  };
  {
    const std::vector<EntityIdx> members = Members(g, e);
    for (uint32_t i = 0; i < members.size(); ++i)
      lines.push_back({kMembers, 1, false, i, LineFor(g, members[i], 1)});
  }
  add_hits(kCallers, EdgeKind::kCalls, Callers(g, e, kNeighbourDepth));
  add_hits(kCallees, EdgeKind::kCalls, Callees(g, e, kNeighbourDepth));
  add_hits(kImplementors, EdgeKind::kImplements, WhatImplements(g, e));
  add_hits(kUses, EdgeKind::kUses, Uses(g, e));
  // Nearest first across sections; at one depth, sure before ambiguous.
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) {
                     if (a.depth != b.depth) return a.depth < b.depth;
                     if (a.ambiguous != b.ambiguous) return b.ambiguous;
                     return a.section < b.section;
                   });

  // Take lines while they fit, keeping room to say how many did not.
  auto trailer = [](size_t omitted) {
    return "(" + std::to_string(omitted) + " more omitted)\n";
  };
  bool started[kSections] = {};
  size_t used = out.size();
  size_t taken = 0;
  for (; taken < lines.size(); ++taken) {
    const Line& l = lines[taken];
    size_t cost = l.text.size() +
                  (started[l.section] ? 0 : kSectionTitle[l.section].size());
    const size_t left_after = lines.size() - taken - 1;
    if (left_after > 0) cost += trailer(left_after).size();
    if (used + cost > budget) break;
    if (left_after > 0) cost -= trailer(left_after).size();
    used += cost;
    started[l.section] = true;
  }
  std::vector<Line> chosen(lines.begin(), lines.begin() + taken);
  std::stable_sort(chosen.begin(), chosen.end(),
                   [](const Line& a, const Line& b) {
                     if (a.section != b.section) return a.section < b.section;
                     if (a.depth != b.depth) return a.depth < b.depth;
                     if (a.ambiguous != b.ambiguous) return b.ambiguous;
                     return a.order < b.order;
                   });
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (i == 0 || chosen[i].section != chosen[i - 1].section)
      out += kSectionTitle[chosen[i].section];
    out += chosen[i].text;
  }
  if (taken < lines.size()) {
    const std::string t = trailer(lines.size() - taken);
    if (out.size() + t.size() <= budget) out += t;
  }
  return out;
}

void ExpectSameAsReference(const Graph& g, const SearchIndex& index,
                           EntityIdx e, uint32_t budget) {
  const std::string want = ReferenceContext(g, e, budget);
  ASSERT_EQ(Context(g, e, budget), want) << testing::Q(g, e) << " " << budget;
  ASSERT_EQ(Context(g, &index, e, budget), want)
      << testing::Q(g, e) << " " << budget;
}

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
      "- [1] zoo::shapes::Square (struct) src/shapes.rs:9: pub struct "
      "Square\n");
}

TEST(ContextTest, ExternalHasNoLocation) {
  auto g = ZooGraph();
  EXPECT_EQ(Context(*g, testing::Find(*g, "Debug")),
            "# std::fmt::Debug (external)\n"
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

TEST(ContextTest, SameAsReferenceAtEveryBudget) {
  auto g = ZooGraph();
  SearchIndex index(*g);
  for (EntityIdx e : g->LiveEntities())
    for (uint32_t budget = 0; budget <= 260; budget += 1)
      ExpectSameAsReference(*g, index, e, budget);
}

TEST(ContextTest, SameAsReferenceOnARealCrate) {
  // Hubs with hundreds of callers, where the budget cuts deep into a
  // section.
  std::unique_ptr<graph::Graph> real = testing::RealCrateGraph();
  if (!real) GTEST_SKIP() << "regex-syntax-0.6.27 not installed";
  graph::Graph& g = *real;
  SearchIndex index(g);
  std::vector<EntityIdx> all = g.LiveEntities();
  std::sort(all.begin(), all.end(), [&](EntityIdx a, EntityIdx b) {
    return g.in(a).size() + g.out(a).size() > g.in(b).size() + g.out(b).size();
  });
  for (size_t i = 0; i < all.size(); i += i < 40 ? 1 : 37)
    for (uint32_t budget : {20u, 75u, 300u, 2000u, 20000u})
      ExpectSameAsReference(g, index, all[i], budget);
}

// A call `a.run()` links every method `run` (ambiguous): such callers are
// marked, and come after the sure ones of their depth. A caller with a
// sure call beside an ambiguous one is sure.
TEST(ContextTest, AmbiguousLinksAreMarkedAndComeLast) {
  Graph g;
  aim::testing::IngestAll(
      g, aim::testing::FromSources(
             "demo", {{"src/lib.rs",
                       "pub struct A;\npub struct B;\n"
                       "impl A { pub fn run(&self) {} }\n"
                       "impl B { pub fn run(&self) {} }\n"
                       "pub fn guess(a: &A) { a.run(); }\n"
                       "pub fn zeta(a: &A) {\n    a.run();\n    A::run(a);\n}\n"
                       "pub fn top(a: &A) { guess(a); zeta(a); }\n"}}));
  const EntityIdx run = testing::Find(g, "A::run");
  ASSERT_NE(run, graph::kNoEntity);
  EXPECT_EQ(Context(g, run),
            "# demo::A::run (method)\n"
            "pub fn run(&self)\n"
            "at src/lib.rs:3\n"
            "## callers\n"
            "- [1] demo::zeta (fn) src/lib.rs:6: pub fn zeta(a: &A)\n"
            "- [1] demo::guess (fn, ambiguous) src/lib.rs:5: pub fn guess(a: &A)\n"
            "- [2] demo::top (fn, ambiguous) src/lib.rs:10: pub fn top(a: &A)\n");
  // With room for one caller only, the sure one is taken.
  const std::string one =
      "# demo::A::run (method)\npub fn run(&self)\nat src/lib.rs:3\n"
      "## callers\n- [1] demo::zeta (fn) src/lib.rs:6: pub fn zeta(a: &A)\n"
      "(2 more omitted)\n";
  EXPECT_EQ(Context(g, run, static_cast<uint32_t>((one.size() + 3) / 4)), one);
}

TEST(ContextTest, DeadEntityGivesNothing) {
  auto g = ZooGraph();
  EXPECT_EQ(Context(*g, graph::kNoEntity), "");
}

}  // namespace
}  // namespace aim::query

// FindEntity: exact, suffix and bare names; ambiguity; suggestions.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/query/search_index.h"
#include "tests/query/query_test_util.h"
#include "tests/support/graph_fixture.h"

namespace aim::query {
namespace {

using ::aim::testing::Q;
using ::aim::testing::ZooGraph;

std::vector<std::string> Names(const Graph& g, const NameLookup& l) {
  std::vector<std::string> out;
  for (EntityIdx e : l.candidates) out.push_back(Q(g, e));
  return out;
}

class LookupTest : public ::testing::Test {
 protected:
  void SetUp() override { g_ = ZooGraph(); }
  NameLookup Find(std::string_view name,
                  std::optional<EntityKind> kind = std::nullopt) {
    return FindEntity(*g_, name, kind);
  }
  std::unique_ptr<Graph> g_;
};

TEST_F(LookupTest, ExactQualifiedPath) {
  NameLookup l = Find("zoo::shapes::Circle");
  ASSERT_EQ(l.status, NameLookup::kFound);
  EXPECT_EQ(Names(*g_, l), std::vector<std::string>{"zoo::shapes::Circle"});
  EXPECT_EQ(Names(*g_, Find("zoo")), std::vector<std::string>{"zoo"});
  EXPECT_EQ(Find("  ::zoo::util::square ").status, NameLookup::kFound);
}

TEST_F(LookupTest, BareName) {
  NameLookup l = Find("Circle");
  ASSERT_EQ(l.status, NameLookup::kFound);
  EXPECT_EQ(Names(*g_, l), std::vector<std::string>{"zoo::shapes::Circle"});
}

TEST_F(LookupTest, SuffixOnPathBoundary) {
  EXPECT_EQ(Names(*g_, Find("TcpStream::connect")),
            std::vector<std::string>{"zoo::net::tcp::TcpStream::connect"});
  EXPECT_EQ(Names(*g_, Find("udp::connect")),
            std::vector<std::string>{"zoo::net::udp::connect"});
  EXPECT_EQ(Names(*g_, Find("Area::area")),
            std::vector<std::string>{"zoo::Area::area"});
  // `&'aSquare::area` ends with "Square::area" but not on a boundary.
  NameLookup sq = Find("Square::area");
  ASSERT_EQ(sq.status, NameLookup::kFound);
  EXPECT_EQ(Names(*g_, sq),
            std::vector<std::string>{"zoo::shapes::Square::area"});
  EXPECT_EQ(Find("shapes::Circle::new").status, NameLookup::kFound);
  EXPECT_EQ(Find("apes::Circle").status, NameLookup::kNotFound);
}

TEST_F(LookupTest, AmbiguousBareNameListsEveryCandidate) {
  NameLookup l = Find("connect");
  ASSERT_EQ(l.status, NameLookup::kAmbiguous);
  EXPECT_EQ(Names(*g_, l),
            (std::vector<std::string>{"zoo::net::tcp::TcpStream::connect",
                                      "zoo::net::udp::connect"}));
  EXPECT_TRUE(l.suggestions.empty());
  NameLookup area = Find("area");
  ASSERT_EQ(area.status, NameLookup::kAmbiguous);
  EXPECT_EQ(Names(*g_, area),
            (std::vector<std::string>{
                "zoo::Area::area", "zoo::shapes::&'aSquare::area",
                "zoo::shapes::Circle::area", "zoo::shapes::Square::area"}));
  EXPECT_EQ(Names(*g_, Find("describe")),
            (std::vector<std::string>{"zoo::Describe::describe",
                                      "zoo::T::describe"}));
}

TEST_F(LookupTest, KindFilter) {
  NameLookup l = Find("area", EntityKind::kTraitMethod);
  ASSERT_EQ(l.status, NameLookup::kFound);
  EXPECT_EQ(Names(*g_, l), std::vector<std::string>{"zoo::Area::area"});
  EXPECT_EQ(Find("connect", EntityKind::kFn).status, NameLookup::kFound);
  EXPECT_EQ(Find("Circle", EntityKind::kTrait).status, NameLookup::kNotFound);
  // An external's kind is unknown: it passes any filter.
  NameLookup debug = Find("Debug", EntityKind::kTrait);
  ASSERT_EQ(debug.status, NameLookup::kFound);
  EXPECT_EQ(g_->entity(debug.candidates[0]).kind, EntityKind::kExternal);
}

TEST_F(LookupTest, PlaceholdersOnlyWhenNothingElseMatches) {
  NameLookup debug = Find("Debug");
  ASSERT_EQ(debug.status, NameLookup::kFound);
  EXPECT_EQ(g_->entity(debug.candidates[0]).kind, EntityKind::kExternal);
  NameLookup impl = Find("impl Circle");
  ASSERT_EQ(impl.status, NameLookup::kFound);
  EXPECT_EQ(Names(*g_, impl),
            std::vector<std::string>{"zoo::shapes::impl Circle"});
}

// A std item's names as written in code name its one external exactly,
// though other externals share its last segment.
TEST(LookupStdTest, PreludeAndCorePathsNameTheStdExternal) {
  Graph g;
  aim::testing::IngestAll(
      g, aim::testing::FromSources(
             "demo", {{"src/lib.rs",
                       "#[derive(Debug, Clone)]\npub struct A;\npub struct B;\n"
                       "pub struct C;\nimpl fmt::Debug for B {}\n"
                       "impl core::fmt::Debug for C {}\n"}}));
  for (const char* name : {"Debug", "core::fmt::Debug", "std::fmt::Debug"}) {
    NameLookup l = FindEntity(g, name);
    ASSERT_EQ(l.status, NameLookup::kFound) << name;
    EXPECT_EQ(Names(g, l), std::vector<std::string>{"std::fmt::Debug"}) << name;
    EXPECT_EQ(WhatImplements(g, l.candidates[0]).size(), 2u) << name;  // A, C
  }
  // The other external named Debug (`fmt` is not imported) is there, by
  // its own path.
  EXPECT_EQ(Names(g, FindEntity(g, "fmt::Debug")),
            std::vector<std::string>{"fmt::Debug"});
  EXPECT_EQ(Names(g, FindEntity(g, "Clone")),
            std::vector<std::string>{"std::clone::Clone"});
}

TEST_F(LookupTest, UnknownNameSuggestsNearMatches) {
  NameLookup typo = Find("TcpStrem");
  ASSERT_EQ(typo.status, NameLookup::kNotFound);
  EXPECT_TRUE(typo.candidates.empty());
  ASSERT_FALSE(typo.suggestions.empty());
  EXPECT_EQ(typo.suggestions[0], "zoo::net::tcp::TcpStream");

  NameLookup part = Find("Canv");  // a substring of a name
  ASSERT_EQ(part.status, NameLookup::kNotFound);
  EXPECT_EQ(part.suggestions, std::vector<std::string>{"zoo::render::Canvas"});

  NameLookup case_only = Find("circle");  // lookups are case-sensitive
  ASSERT_EQ(case_only.status, NameLookup::kNotFound);
  ASSERT_FALSE(case_only.suggestions.empty());
  EXPECT_EQ(case_only.suggestions[0], "zoo::shapes::Circle");

  NameLookup wrong_path = Find("net::Circle");
  ASSERT_EQ(wrong_path.status, NameLookup::kNotFound);
  ASSERT_FALSE(wrong_path.suggestions.empty());
  EXPECT_EQ(wrong_path.suggestions[0], "zoo::shapes::Circle");

  NameLookup nothing = Find("qqqqqqqqqq");
  EXPECT_EQ(nothing.status, NameLookup::kNotFound);
  EXPECT_TRUE(nothing.suggestions.empty());
  EXPECT_EQ(Find("").status, NameLookup::kNotFound);
  EXPECT_EQ(Find("zoo::").status, NameLookup::kNotFound);
}

TEST_F(LookupTest, SuggestionsPreferTheWantedKind) {
  NameLookup l = Find("areas", EntityKind::kTraitMethod);
  ASSERT_EQ(l.status, NameLookup::kNotFound);
  EXPECT_EQ(l.suggestions, std::vector<std::string>{"zoo::Area::area"});
}

TEST_F(LookupTest, IndexGivesTheSameAnswers) {
  SearchIndex index(*g_);
  for (std::string_view name :
       {"TcpStrem", "Canv", "circle", "net::Circle", "qqqqqqqqqq", "connect",
        "Circle", "area", "areas", "descrbe", "pnig"}) {
    NameLookup a = FindEntity(*g_, name);
    NameLookup b = FindEntity(*g_, index, name);
    EXPECT_EQ(a.status, b.status) << name;
    EXPECT_EQ(a.candidates, b.candidates) << name;
    EXPECT_EQ(a.suggestions, b.suggestions) << name;
  }
}

TEST(LookupRealCrateTest, IndexGivesTheSameCandidatesInTheSameOrder) {
  // Bare names shared by many items (`new`, `fmt`, ...): candidates are
  // ordered by the index's ranks, which must agree with their paths.
  std::unique_ptr<graph::Graph> real = testing::RealCrateGraph();
  if (!real) GTEST_SKIP() << "regex-syntax-0.6.27 not installed";
  graph::Graph& g = *real;
  SearchIndex index(g);
  size_t ambiguous = 0;
  for (EntityIdx e : g.LiveEntities()) {
    const std::string_view name = g.str(g.entity(e).name);
    NameLookup a = FindEntity(g, name);
    NameLookup b = FindEntity(g, index, name);
    ASSERT_EQ(a.status, b.status) << name;
    ASSERT_EQ(a.candidates, b.candidates) << name;
    ambiguous += a.status == NameLookup::kAmbiguous;
  }
  EXPECT_GT(ambiguous, 100u);
}

}  // namespace
}  // namespace aim::query

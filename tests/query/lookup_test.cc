// FindEntity: exact, suffix and bare names; ambiguity; suggestions.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

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

// Paths as code outside a crate writes them: through `pub use`, glob
// re-exports and a type's impls, from the crate root or any module.
class ReexportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    aim::testing::IngestAll(
        g_,
        aim::testing::FromSources(
            "reexp",
            {{"src/lib.rs",
              "pub mod net;\npub mod alpha;\npub mod prelude {\n"
              "    pub use crate::net::*;\n"
              "    pub use crate::net::tcp::Listener as Acceptor;\n}\n"
              "pub use net::tcp::stream::Stream;\n"},
             {"src/alpha.rs", "pub struct Stream;\n"},
             {"src/net/mod.rs",
              "pub(crate) mod tcp;\npub use tcp::stream::Stream;\n"
              "pub use self::tcp::helpers::*;\n"},
             {"src/net/tcp/mod.rs",
              "pub(crate) mod stream;\npub(crate) mod helpers;\n"
              "pub struct Listener;\n"},
             {"src/net/tcp/stream.rs",
              "pub struct Stream;\nimpl Stream {\n"
              "    pub fn connect() -> Stream { Stream }\n}\n"
              "impl std::fmt::Debug for Stream {\n"
              "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> "
              "std::fmt::Result { Ok(()) }\n}\n"},
             {"src/net/tcp/helpers.rs", "pub fn resolve_host() {}\n"}}));
  }
  std::vector<std::string> Found(std::string_view name,
                                 std::optional<EntityKind> kind = {}) {
    NameLookup l = FindEntity(g_, name, kind);
    EXPECT_NE(l.status, NameLookup::kNotFound) << name;
    return Names(g_, l);
  }
  Graph g_;
};

TEST_F(ReexportTest, PathsThroughPubUse) {
  const std::vector<std::string> stream{"reexp::net::tcp::stream::Stream"};
  EXPECT_EQ(Found("reexp::Stream"), stream);
  EXPECT_EQ(Found("reexp::net::Stream"), stream);
  EXPECT_EQ(Found("net::Stream"), stream);  // from a module, not the root
  EXPECT_EQ(Found("reexp::Stream::connect"),
            std::vector<std::string>{"reexp::net::tcp::stream::Stream::connect"});
  EXPECT_EQ(Found("reexp::net::Stream::fmt"),  // a trait impl's member
            std::vector<std::string>{"reexp::net::tcp::stream::Stream::fmt"});
  // The item's own path is found as before.
  EXPECT_EQ(Found("reexp::net::tcp::stream::Stream"), stream);
}

TEST_F(ReexportTest, PathsThroughGlobReexports) {
  EXPECT_EQ(Found("reexp::net::resolve_host"),
            std::vector<std::string>{"reexp::net::tcp::helpers::resolve_host"});
  // Two globs in a row: prelude -> net -> helpers.
  EXPECT_EQ(Found("reexp::prelude::resolve_host"),
            std::vector<std::string>{"reexp::net::tcp::helpers::resolve_host"});
  EXPECT_EQ(Found("reexp::prelude::Stream::connect"),
            std::vector<std::string>{"reexp::net::tcp::stream::Stream::connect"});
}

TEST_F(ReexportTest, WhatIsNotReexportedIsNotFound) {
  // `net` holds `tcp` but re-exports only Stream and helpers' items.
  EXPECT_EQ(FindEntity(g_, "reexp::net::Listener").status,
            NameLookup::kNotFound);
  EXPECT_EQ(FindEntity(g_, "reexp::Stream::nothing").status,
            NameLookup::kNotFound);
  // A module's impls' members are not the module's.
  EXPECT_EQ(FindEntity(g_, "reexp::net::tcp::stream::connect").status,
            NameLookup::kNotFound);
  // A renamed import is not followed: the graph keeps the item's own name.
  EXPECT_EQ(FindEntity(g_, "reexp::prelude::Acceptor").status,
            NameLookup::kNotFound);
  EXPECT_EQ(FindEntity(g_, "reexp::Stream", EntityKind::kFn).status,
            NameLookup::kNotFound);
  EXPECT_EQ(Found("reexp::Stream", EntityKind::kStruct),
            std::vector<std::string>{"reexp::net::tcp::stream::Stream"});
}

TEST_F(ReexportTest, SuggestionsPreferPathsSharingSegments) {
  // Both Streams (and the module `stream`) are one edit away; the two
  // under `net` share more of the query's segments than alpha's.
  NameLookup l = FindEntity(g_, "reexp::net::Strem");
  ASSERT_EQ(l.status, NameLookup::kNotFound);
  EXPECT_EQ(l.suggestions,
            (std::vector<std::string>{"reexp::net::tcp::stream",
                                      "reexp::net::tcp::stream::Stream",
                                      "reexp::alpha::Stream"}));
  SearchIndex index(g_);
  EXPECT_EQ(FindEntity(g_, index, "reexp::net::Strem").suggestions,
            l.suggestions);
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

// Search: ranking, limits, and the index against the scan, also after
// incremental edits.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "engine/query/search_index.h"
#include "engine/query/text.h"
#include "tests/query/query_test_util.h"

namespace aim::query {
namespace {

using ::aim::testing::FromSources;
using ::aim::testing::Q;
using ::aim::testing::ZooGraph;
using Strings = std::vector<std::string>;

std::string MatchName(SearchHit::Match m) {
  switch (m) {
    case SearchHit::kExactName:
      return "name";
    case SearchHit::kPrefixName:
      return "prefix";
    case SearchHit::kExactQualified:
      return "qualified";
    case SearchHit::kSubstring:
      return "substring";
  }
  return "?";
}

Strings Render(const Graph& g, const std::vector<SearchHit>& hits) {
  Strings out;
  for (const auto& h : hits)
    out.push_back(MatchName(h.match) + " " + Q(g, h.entity));
  return out;
}

// Queries that exercise every rank: names, prefixes, qualified paths and
// substrings of each, in several cases.
std::vector<std::string> ProbeQueries(const Graph& g) {
  std::vector<std::string> qs = {"", "a", "zz", "::", "zoo", "qqqq", "impl"};
  for (EntityIdx e : g.LiveEntities()) {
    std::string name(g.str(g.entity(e).name));
    std::string q(g.qualified(e).str());
    qs.push_back(name);
    qs.push_back(name.substr(0, 1));
    qs.push_back(name.substr(0, 2));
    qs.push_back(name.substr(0, 3));
    qs.push_back(q);
    if (q.size() > 6) qs.push_back(q.substr(q.size() / 3, 5));
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(c));
    qs.push_back(upper);
  }
  return qs;
}

void ExpectIndexMatchesScan(const Graph& g, const SearchIndex& index,
                            size_t limit) {
  for (const std::string& q : ProbeQueries(g)) {
    auto scan = Search(g, q, limit);
    auto indexed = Search(g, index, q, limit);
    ASSERT_EQ(Render(g, indexed), Render(g, scan)) << "query '" << q << "'";
  }
}

TEST(SearchTest, RanksExactThenPrefixThenQualifiedThenSubstring) {
  auto g = ZooGraph();
  EXPECT_EQ(
      Render(*g, Search(*g, "circle")),
      (Strings{"name zoo::shapes::Circle", "substring zoo::shapes::Circle::new",
               "substring zoo::shapes::Circle::area",
               "substring zoo::shapes::impl Circle",
               "substring zoo::shapes::impl Area for Circle"}));
  EXPECT_EQ(Render(*g, Search(*g, "conn")),
            (Strings{"prefix zoo::net::udp::connect",
                     "prefix zoo::net::tcp::TcpStream::connect"}));
  EXPECT_EQ(Render(*g, Search(*g, "zoo::util::square")),
            (Strings{"qualified zoo::util::square"}));
  EXPECT_EQ(Render(*g, Search(*g, "ping")),
            (Strings{"name zoo::render::ping"}));
  EXPECT_EQ(Render(*g, Search(*g, "net::t")),
            (Strings{"substring zoo::net::tcp",
                     "substring zoo::net::tcp::TcpStream::connect",
                     "substring zoo::net::tcp::TcpStream",
                     "substring zoo::net::tcp::impl TcpStream"}));
}

TEST(SearchTest, LimitAndEmptyQuery) {
  auto g = ZooGraph();
  auto all = Search(*g, "zoo", 1000);
  EXPECT_EQ(all.size(), g->entity_count() - 5);  // all but the 5 externals
  EXPECT_EQ(
      Render(*g, Search(*g, "zoo", 3)),
      (Strings{"name zoo", "substring zoo::net", "substring zoo::net::tcp"}));
  EXPECT_TRUE(Search(*g, "").empty());
  EXPECT_TRUE(Search(*g, "zoo", 0).empty());
}

TEST(SearchTest, IndexMatchesScanOnTheZoo) {
  auto g = ZooGraph();
  SearchIndex index(*g);
  EXPECT_EQ(index.size(), g->entity_count());
  ExpectIndexMatchesScan(*g, index, 20);
  ExpectIndexMatchesScan(*g, index, 3);
}

TEST(SearchTest, IndexFollowsIncrementalEdits) {
  auto g = ZooGraph();
  SearchIndex index(*g);
  auto inputs = FromSources("zoo", {{"src/net/udp.rs",
                                     "pub fn connect(port: u16) -> u16 { port "
                                     "}\npub fn connect_all() {}\n"}});
  g->UpsertFile(inputs[0]);
  index.Sync(*g);
  EXPECT_GT(index.delta_size(), 0u);
  EXPECT_EQ(Render(*g, Search(*g, index, "connect_all")),
            (Strings{"name zoo::net::udp::connect_all"}));
  ExpectIndexMatchesScan(*g, index, 20);

  ASSERT_TRUE(g->RemoveFile("src/net/tcp.rs"));
  index.Sync(*g);
  EXPECT_EQ(Render(*g, Search(*g, index, "TcpStream")), Strings{});
  ExpectIndexMatchesScan(*g, index, 20);

  // Update with explicit slots (all of them) is equivalent.
  SearchIndex other(*g);
  g->UpsertFile(
      FromSources("zoo", {{"src/net/tcp.rs", "pub struct TcpStream;\n"}})[0]);
  std::vector<EntityIdx> slots;
  for (EntityIdx e = 0; e < g->slot_count(); ++e) slots.push_back(e);
  other.Update(*g, slots);
  index.Sync(*g);
  ExpectIndexMatchesScan(*g, other, 20);
  ExpectIndexMatchesScan(*g, index, 20);
}

// The live engine's way: the graph records the slots an edit touched, and
// the index updates just those (no scan of every slot).
TEST(SearchTest, IndexFollowsTheGraphsChangedSlots) {
  auto g = ZooGraph();
  g->set_track_changes(true);
  std::vector<EntityIdx> changed;
  g->TakeChangedSlots(&changed);  // what building recorded: not wanted
  SearchIndex index(*g);
  const std::vector<std::map<std::string, std::string>> edits = {
      {{"src/net/udp.rs", "pub fn connect(port: u16) -> u16 { port }\npub fn connect_all() {}\n"}},
      {{"src/net/tcp.rs", "pub struct TcpStream;\npub fn renamed_connect() {}\n"}},
      {{"src/net/udp.rs", "pub fn only_this() {}\n"}},
  };
  for (const auto& edit : edits) {
    g->UpsertFile(FromSources("zoo", edit)[0]);
    g->TakeChangedSlots(&changed);
    EXPECT_FALSE(changed.empty());
    index.Update(*g, changed);
    ExpectIndexMatchesScan(*g, index, 20);
  }
  ASSERT_TRUE(g->RemoveFile("src/net/udp.rs"));
  g->TakeChangedSlots(&changed);
  index.Update(*g, changed);
  EXPECT_EQ(Render(*g, Search(*g, index, "only_this")), Strings{});
  ExpectIndexMatchesScan(*g, index, 20);
  // A copy answers the same and then follows edits on its own.
  SearchIndex copy = index.Clone();
  ExpectIndexMatchesScan(*g, copy, 20);
  g->UpsertFile(FromSources("zoo", {{"src/net/udp.rs", "pub fn back_again() {}\n"}})[0]);
  g->TakeChangedSlots(&changed);
  copy.Update(*g, changed);
  ExpectIndexMatchesScan(*g, copy, 20);
  // Without tracking, nothing is recorded.
  g->set_track_changes(false);
  g->UpsertFile(FromSources("zoo", {{"src/net/udp.rs", "pub fn untracked() {}\n"}})[0]);
  g->TakeChangedSlots(&changed);
  EXPECT_TRUE(changed.empty());
}

// A writer with a deadline updates without rebuilding: the delta grows
// past its bound and still answers right; the next Update allowed to
// rebuild folds it in.
TEST(SearchTest, UpdateWithoutRebuildDefersIt) {
  auto g = ZooGraph();
  g->set_track_changes(true);
  std::vector<EntityIdx> changed;
  g->TakeChangedSlots(&changed);
  SearchIndex index(*g);
  std::string text;
  for (int i = 0; i < 400; ++i) {  // past the delta's bound (256 entries)
    text += "pub fn deferred_" + std::to_string(i) + "() {}\n";
    g->UpsertFile(FromSources("zoo", {{"src/net/udp.rs", text}})[0]);
    g->TakeChangedSlots(&changed);
    index.Update(*g, changed, /*may_rebuild=*/false);
  }
  EXPECT_GT(index.delta_size(), 256u);
  ExpectIndexMatchesScan(*g, index, 20);
  EXPECT_EQ(Render(*g, Search(*g, index, "deferred_399")).size(), 1u);
  index.Update(*g, {}, /*may_rebuild=*/true);
  EXPECT_EQ(index.delta_size(), 0u);
  ExpectIndexMatchesScan(*g, index, 20);
}

TEST(SearchTest, EmptyIndexAndEmptyGraph) {
  graph::Graph empty;
  SearchIndex index;
  EXPECT_TRUE(Search(empty, index, "x").empty());
  index.Sync(empty);
  EXPECT_TRUE(Search(empty, index, "x").empty());
  EXPECT_EQ(FindEntity(empty, index, "x").status, NameLookup::kNotFound);

  // A default index synced with a graph answers like a built one.
  auto g = ZooGraph();
  SearchIndex synced;
  synced.Sync(*g);
  EXPECT_EQ(synced.size(), g->entity_count());
  ExpectIndexMatchesScan(*g, synced, 20);
}

TEST(SearchTest, IndexRebuildsWhenTheDeltaGrows) {
  graph::Graph g;
  testing::IngestAll(
      g, FromSources("big", {{"src/lib.rs", "pub fn seed() {}\n"}}));
  SearchIndex index(g);
  std::string src;
  for (int i = 0; i < 600; ++i)
    src += "pub fn grown_" + std::to_string(i) + "() {}\n";
  g.UpsertFile(FromSources("big", {{"src/more.rs", src}})[0]);
  index.Sync(g);
  EXPECT_EQ(index.delta_size(), 0u);  // past the threshold: rebuilt
  EXPECT_EQ(index.size(), g.entity_count());
  ExpectIndexMatchesScan(g, index, 20);
}

TEST(SearchTest, IndexMatchesScanWhereNamesSharePrefixes) {
  // Names that share their first 8 bytes span many of the index's sampled
  // keys; paths that differ only in case share a hash slot.
  graph::Graph g;
  std::string src = "pub mod m {\n";
  for (int i = 0; i < 200; ++i) {
    src += "pub fn long_shared_prefix_" + std::to_string(i) + "() {}\n";
    src += "pub fn long_sh" + std::to_string(i % 7) + "() {}\n";
    src += "pub struct Ab" + std::to_string(i) + ";\n";
    src += "pub fn zz_after_" + std::to_string(i) + "() {}\n";
  }
  src += "}\npub fn AB7() {}\npub fn ab7() {}\npub mod M { pub fn Ab7() {} }\n";
  testing::IngestAll(g, FromSources("shared", {{"src/lib.rs", src}}));
  ASSERT_GT(g.entity_count(), 800u);
  SearchIndex index(g);
  ExpectIndexMatchesScan(g, index, 20);
  ExpectIndexMatchesScan(g, index, 500);
  for (const char* q :
       {"long_shared_prefix_1", "long_shared_prefix_", "long_sh", "long_s",
        "shared::m::ab7", "SHARED::M::AB7", "ab", "zzzz_none"})
    EXPECT_EQ(Render(g, Search(g, index, q, 50)), Render(g, Search(g, q, 50)))
        << q;
}

TEST(SearchTest, PaddedContainsAgreesWithFind) {
  // Haystacks inside one padded buffer, as the index keeps them: needles
  // at every place, across 16-byte blocks, and near misses.
  const std::string text =
      "abcabcabd::xyzzy::abcabcabcabcabcabcabcabcabxabcab::q::zz" +
      std::string(internal::kContainsPadding, '\0');
  const std::string_view all(text.data(),
                             text.size() - internal::kContainsPadding);
  for (size_t from = 0; from < all.size(); from += 3) {
    for (size_t len = 0; from + len <= all.size(); len += 5) {
      const std::string_view hay = all.substr(from, len);
      for (size_t at = 0; at < all.size(); ++at) {
        for (size_t n = 1; n <= 12 && at + n <= all.size(); ++n) {
          const std::string_view needle = all.substr(at, n);
          EXPECT_EQ(internal::PaddedContains(hay, needle),
                    hay.find(needle) != std::string_view::npos)
              << "'" << hay << "' '" << needle << "'";
        }
      }
      EXPECT_FALSE(internal::PaddedContains(hay, "abx?"));
    }
  }
}

TEST(SearchTest, IndexMatchesScanOnARealCrate) {
  std::unique_ptr<graph::Graph> real = testing::RealCrateGraph();
  if (!real) GTEST_SKIP() << "regex-syntax-0.6.27 not installed";
  graph::Graph& g = *real;
  ASSERT_GT(g.entity_count(), 1000u);
  SearchIndex index(g);
  size_t n = 0;
  for (const std::string& q : ProbeQueries(g)) {
    if (n++ % 7 != 0) continue;  // a sample keeps the test quick
    ASSERT_EQ(Render(g, Search(g, index, q, 10)), Render(g, Search(g, q, 10)))
        << "query '" << q << "'";
  }
}

// Postings are stored as varints of the gaps between ordinals: a rare
// trigram shared by the first-ranked and the last-ranked of 40,000 entries
// has a gap of three bytes.
TEST(SearchTest, IndexFindsEntriesFarApartInRank) {
  std::string text = "pub fn qzx() {}\n";
  for (int i = 0; i < 40000; ++i)
    text += "pub fn filler_" + std::to_string(100000 + i) + "() {}\n";
  text += "pub fn qzx_the_one_with_the_longest_name_of_all_of_them() {}\n";
  graph::Graph g;
  testing::IngestAll(g, testing::FromSources("big", {{"src/lib.rs", text}}));
  ASSERT_GT(g.entity_count(), 40000u);
  SearchIndex index(g);
  for (const char* q : {"qzx", "qz", "zx_the", "filler_139999", "_1399"}) {
    const auto want = Render(g, Search(g, q, 20));
    ASSERT_EQ(Render(g, Search(g, index, q, 20)), want) << q;
    ASSERT_FALSE(want.empty()) << q;
  }
  EXPECT_EQ(Render(g, Search(g, index, "qzx", 20)).size(), 2u);
}

}  // namespace
}  // namespace aim::query

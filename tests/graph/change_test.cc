// How the last update of an entity's file changed it (Entity::change):
// what blast-radius reports of its start.
#include <gtest/gtest.h>

#include <string>

#include "aim/extract.h"
#include "tests/support/random_edits.h"

namespace {

using aim::graph::Change;
using aim::graph::Graph;

constexpr char kLib[] =
    "pub fn a(x: u32) -> u32 {\n"
    "    x + 1\n"
    "}\n"
    "\n"
    "pub fn b() -> u32 {\n"
    "    2\n"
    "}\n"
    "\n"
    "pub struct S {\n"
    "    pub f: u32,\n"
    "}\n";

Change ChangeOf(const Graph& g, const std::string& name) {
  const auto named = g.ByName(name);
  EXPECT_EQ(named.size(), 1u) << name;
  if (named.empty()) return Change::kNone;
  return static_cast<Change>(g.entity(named[0]).change);
}

void Save(Graph& g, const std::string& text) {
  g.UpsertFile(aim::testing::SourceInput("krate", "src/lib.rs", text));
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

// The extractor hashes each item's text from its name to the end of its
// last line: an edit inside one item changes its hash alone.
TEST(ChangeTest, TextHashesFollowEachItsOwnText) {
  const aim::FileFacts before = aim::ExtractFacts("src/lib.rs", kLib);
  const aim::FileFacts after = aim::ExtractFacts(
      "src/lib.rs", Replace(kLib, "    x + 1\n", "    x + 2\n"));
  ASSERT_EQ(before.items.size(), 3u);  // a, b, S
  ASSERT_EQ(after.items.size(), 3u);
  for (const aim::Item& it : before.items) EXPECT_NE(it.text_hash, 0u);
  EXPECT_NE(before.items[0].text_hash, after.items[0].text_hash);  // a
  for (size_t i = 1; i < 3; ++i)
    EXPECT_EQ(before.items[i].text_hash, after.items[i].text_hash) << i;
  // An impl block has one; a derive has none.
  const aim::FileFacts impls = aim::ExtractFacts(
      "src/lib.rs", "#[derive(Clone)]\nstruct T;\nimpl T {\n    fn m() {}\n}\n");
  ASSERT_EQ(impls.impls.size(), 2u);
  EXPECT_EQ(impls.impls[0].derive ? impls.impls[0].text_hash
                                  : impls.impls[1].text_hash,
            0u);
  EXPECT_NE(impls.impls[0].derive ? impls.impls[1].text_hash
                                  : impls.impls[0].text_hash,
            0u);
}

TEST(ChangeTest, EachUpdateSaysHowItChangedAnEntity) {
  Graph g;
  Save(g, kLib);
  // First seen: no change to tell.
  for (const char* name : {"a", "b", "S"})
    EXPECT_EQ(ChangeOf(g, name), Change::kNone) << name;

  // A's body.
  std::string text = Replace(kLib, "    x + 1\n", "    x + 2\n");
  Save(g, text);
  EXPECT_EQ(ChangeOf(g, "a"), Change::kBody);
  EXPECT_EQ(ChangeOf(g, "b"), Change::kNone);

  // B's signature; a keeps what its last change was.
  text = Replace(text, "pub fn b() -> u32", "pub fn b() -> u64");
  Save(g, text);
  EXPECT_EQ(ChangeOf(g, "b"), Change::kSignature);
  EXPECT_EQ(ChangeOf(g, "a"), Change::kBody);

  // Visibility is interface too; a new item is added; lines moving (a new
  // item above) change no one's text.
  text = "pub fn c() {}\n" + Replace(text, "pub struct S", "pub(crate) struct S");
  Save(g, text);
  EXPECT_EQ(ChangeOf(g, "S"), Change::kSignature);
  EXPECT_EQ(ChangeOf(g, "c"), Change::kAdded);
  EXPECT_EQ(ChangeOf(g, "a"), Change::kBody);
  EXPECT_EQ(ChangeOf(g, "b"), Change::kSignature);

  // Saved as it is: nothing changes.
  Save(g, text);
  EXPECT_EQ(ChangeOf(g, "c"), Change::kAdded);
  EXPECT_EQ(ChangeOf(g, "a"), Change::kBody);

  // A graph loaded from its image says the same.
  std::string image;
  g.SaveImage(&image);
  auto loaded = Graph::LoadImage(image);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  for (const char* name : {"a", "b", "c", "S"})
    EXPECT_EQ(ChangeOf(**loaded, name), ChangeOf(g, name)) << name;
  // ... and the change is history, not content: the digest is a fresh
  // ingest's.
  Graph fresh;
  Save(fresh, text);
  EXPECT_EQ(fresh.Digest(), g.Digest());
  EXPECT_EQ(ChangeOf(fresh, "a"), Change::kNone);
}

TEST(ChangeTest, NamesOfChanges) {
  EXPECT_EQ(aim::graph::ChangeName(Change::kNone), "");
  EXPECT_EQ(aim::graph::ChangeName(Change::kAdded), "added");
  EXPECT_EQ(aim::graph::ChangeName(Change::kBody), "body");
  EXPECT_EQ(aim::graph::ChangeName(Change::kSignature), "signature");
}

}  // namespace

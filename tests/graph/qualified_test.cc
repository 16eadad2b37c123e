// Qualified paths as entities hold them: most as their parent's path and
// their name (Entity::parent), read through Graph::qualified.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "tests/support/graph_fixture.h"

namespace {

using aim::graph::Entity;
using aim::graph::EntityIdx;
using aim::graph::Graph;
using aim::graph::QualifiedPath;

// Random text over a few bytes, ':' among them (so joins meet in "::").
std::string RandomText(std::mt19937& rng) {
  static constexpr char kBytes[] = {'a', 'b', ':', 'z', '\xff'};
  std::string s(rng() % 5, 'a');
  for (char& c : s) c = kBytes[rng() % sizeof kBytes];
  return s;
}

// A path held either way: as head and leaf, or whole.
QualifiedPath RandomPath(std::mt19937& rng, std::string& head,
                         std::string& leaf) {
  head = RandomText(rng);
  leaf = RandomText(rng);
  return {head, leaf};
}

int Sign(int c) { return (c > 0) - (c < 0); }

TEST(QualifiedPathTest, ReadsAsItsJoinedText) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    std::string ha, la, hb, lb;
    const QualifiedPath a = RandomPath(rng, ha, la);
    const QualifiedPath b = RandomPath(rng, hb, lb);
    const std::string ja = a.str(), jb = b.str();
    ASSERT_EQ(ja, ha.empty() ? la : ha + "::" + la);
    ASSERT_EQ(a.size(), ja.size());
    ASSERT_EQ(Sign(a.compare(b)), Sign(ja.compare(jb))) << ja << " " << jb;
    ASSERT_EQ(a == b, ja == jb);
    // Against a path held whole, and plain text.
    const QualifiedPath whole{{}, jb};
    ASSERT_EQ(Sign(a.compare(whole)), Sign(ja.compare(jb)));
    ASSERT_EQ(Sign(a.compare(std::string_view(jb))), Sign(ja.compare(jb)));
    for (size_t k = 0; k < ja.size(); ++k) ASSERT_EQ(a[k], ja[k]);
    const std::string tail = jb.substr(jb.size() - std::min(jb.size(), size_t{4}));
    ASSERT_EQ(a.ends_with(tail), ja.ends_with(tail)) << ja << " " << tail;
    ASSERT_EQ(a.ends_with(ja), true);
  }
}

// Items hold their parent's path and their name; modules and externals
// hold their paths whole (they are keys); a crate root is its name. Items
// whose scope is their parent path are filed as members under it.
TEST(QualifiedPathTest, AFreshGraphHoldsParentAndName) {
  Graph g;
  aim::testing::IngestAll(
      g, aim::testing::FromSources(
             "krate", {{"src/lib.rs",
                        "pub mod a;\n"
                        "pub struct S;\n"
                        "const _: () = ();\n"
                        "const _: () = ();\n"
                        "impl S { pub fn m(&self) {} }\n"
                        "impl std::fmt::Display for S {\n"
                        "  fn fmt(&self, f: &mut std::fmt::Formatter) -> "
                        "std::fmt::Result { Ok(()) }\n"
                        "}\n"},
                       {"src/a.rs", "pub fn f() { crate::S.m(); }\n"}}));
  std::map<std::string, std::pair<std::string, bool>> held;  // path -> parent
  std::map<std::string, bool> member;  // filed under its parent path
  for (EntityIdx e : g.LiveEntities()) {
    const Entity& en = g.entity(e);
    const std::string path = g.qualified(e).str();
    held[path] = {std::string(g.str(en.parent)),
                  (en.flags & aim::graph::kOwnPath) != 0};
    member[path] = (en.flags & aim::graph::kMember) != 0;
  }
  using P = std::pair<std::string, bool>;
  EXPECT_EQ(held["krate"], P("krate", true));         // the crate root
  EXPECT_EQ(held["krate::a"], P("krate::a", true));   // a module
  EXPECT_EQ(held["krate::S"], P("krate", false));
  EXPECT_EQ(held["krate::S::m"], P("krate::S", false));
  EXPECT_EQ(held["krate::a::f"], P("krate::a", false));
  EXPECT_EQ(held["krate::impl Display for S"], P("krate", false));
  EXPECT_EQ(held["krate::S::fmt"], P("krate::S", false));
  EXPECT_EQ(held["Ok"], P("Ok", true));  // an external of one segment
  EXPECT_EQ(held["std::fmt::Display"], P("std::fmt::Display", true));
  // Items of a module are its members under their parent path; a module
  // (held whole) is a member of its parent's table; associated items and
  // impls are no members; neither is what is outside the tree.
  EXPECT_TRUE(member["krate::S"]);
  EXPECT_TRUE(member["krate::a::f"]);
  EXPECT_FALSE(member["krate::a"]);
  EXPECT_FALSE(member["krate::S::m"]);
  EXPECT_FALSE(member["krate::impl S"]);
  EXPECT_FALSE(member["std::fmt::Display"]);
  EXPECT_FALSE(member["krate::_"]);  // `_` names nothing
  EXPECT_EQ(held["krate::_"], P("krate", false));
  // Looked up by path, suffix and name as before.
  EXPECT_EQ(g.ByName("m").size(), 1u);
  EXPECT_TRUE(g.qualified(g.ByName("m")[0]) == "krate::S::m");
  EXPECT_TRUE(g.qualified(g.ByName("m")[0]).ends_with("S::m"));
}

// Facts not from the extractor may give an item another name under the
// same path (the same id): it is unfiled under its old parent path and
// name, and filed again when they agree again.
TEST(QualifiedPathTest, AnItemRenamedUnderItsPathIsFiledAnew) {
  Graph g;
  auto input = [](const std::string& name) {
    aim::graph::FileInput in;
    in.path = "src/lib.rs";
    in.crate = "krate";
    aim::Item it;
    it.kind = aim::ItemKind::kFn;
    it.name = name;
    it.path = "f";
    it.line = it.end_line = 1;
    in.facts.file = in.path;
    in.facts.lines = 1;
    in.facts.items.push_back(it);
    return in;
  };
  auto flags_of = [&](const std::string& name) -> uint8_t {
    const auto named = g.ByName(name);
    EXPECT_EQ(named.size(), 1u) << name;
    return named.empty() ? 0 : g.entity(named[0]).flags;
  };
  g.UpsertFile(input("f"));
  EXPECT_TRUE(flags_of("f") & aim::graph::kMember);
  g.UpsertFile(input("g"));  // krate::f, named g: held whole, no member
  EXPECT_EQ(flags_of("g") & (aim::graph::kMember | aim::graph::kOwnPath),
            aim::graph::kOwnPath);
  EXPECT_TRUE(g.qualified(g.ByName("g")[0]) == "krate::f");
  g.UpsertFile(input("f"));
  EXPECT_EQ(flags_of("f") & (aim::graph::kMember | aim::graph::kOwnPath),
            aim::graph::kMember);
  // The same graph as a fresh one.
  Graph fresh;
  fresh.UpsertFile(input("f"));
  EXPECT_EQ(fresh.Digest(), g.Digest());
}

}  // namespace

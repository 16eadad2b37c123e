// Name resolution: every form of import, shadowing, Self, nested modules,
// workspaces of several crates, externals, derives, and re-linking when a
// definition appears or disappears.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/graph/graph.h"
#include "tests/support/graph_fixture.h"

namespace {

using aim::graph::Graph;
using aim::testing::EdgeStrings;
using aim::testing::FromSources;
using aim::testing::IngestAll;
using ::testing::Contains;
using ::testing::Not;

class ResolveTest : public ::testing::Test {
 protected:
  void Build(const std::map<std::string, std::string>& files) {
    IngestAll(g_, FromSources("demo", files));
    edges_ = EdgeStrings(g_, /*with_contains=*/true);
  }
  bool Has(const std::string& edge) const {
    return std::find(edges_.begin(), edges_.end(), edge) != edges_.end();
  }
  std::string All() const {
    std::string s;
    for (const auto& e : edges_) s += "  " + e + "\n";
    return s;
  }
  Graph g_;
  std::vector<std::string> edges_;
};

TEST_F(ResolveTest, PlainCallInSameModule) {
  Build({{"src/lib.rs", "fn a() { b(); }\nfn b() {}\n"}});
  EXPECT_TRUE(Has("calls demo::a -> demo::b (exact)")) << All();
}

TEST_F(ResolveTest, UseWithGroupsAliasesAndSelf) {
  Build({{"src/lib.rs",
          "mod m;\nuse m::{one, sub::{self, two as deux}};\n"
          "fn f() { one(); deux(); sub::three(); }\n"},
         {"src/m/mod.rs", "pub mod sub;\npub fn one() {}\n"},
         {"src/m/sub.rs", "pub fn two() {}\npub fn three() {}\n"}});
  EXPECT_TRUE(Has("calls demo::f -> demo::m::one (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::f -> demo::m::sub::two (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::f -> demo::m::sub::three (exact)")) << All();
  EXPECT_TRUE(Has("imports demo -> demo::m::sub (exact)")) << All();
  EXPECT_TRUE(Has("imports demo -> demo::m::sub::two (exact)")) << All();
}

TEST_F(ResolveTest, GlobImport) {
  Build({{"src/lib.rs", "mod m;\nuse m::*;\nfn f() { g(); }\n"},
         {"src/m.rs", "pub fn g() {}\n"}});
  EXPECT_TRUE(Has("calls demo::f -> demo::m::g (exact)")) << All();
  // A glob import is an edge to what it opens.
  EXPECT_TRUE(Has("imports demo -> demo::m (exact)")) << All();
}

TEST_F(ResolveTest, GlobImportsOfEnumsModulesAndExternals) {
  Build({{"src/lib.rs",
          "mod m;\npub enum E { A, B }\nmod t {\n    use super::*;\n"
          "    use crate::E::*;\n    use std::io::prelude::*;\n}\n"},
         {"src/m.rs", "pub fn g() {}\n"}});
  EXPECT_TRUE(Has("imports demo::t -> demo (exact)")) << All();
  EXPECT_TRUE(Has("imports demo::t -> demo::E (exact)")) << All();
  EXPECT_TRUE(Has("imports demo::t -> std::io::prelude (exact) ext")) << All();
}

// `mod spawn; pub use spawn::spawn;` (tokio's task::spawn): the name is a
// module (types) and, through the import, a fn (values).
TEST_F(ResolveTest, ModuleAndImportedFnOfOneName) {
  Build({{"src/lib.rs",
          "pub mod task;\npub use task::spawn;\n"
          "fn f() { spawn(); task::spawn(); crate::spawn(); }\n"},
         {"src/task/mod.rs", "mod spawn;\npub use spawn::spawn;\n"},
         {"src/task/spawn.rs", "pub fn spawn() {}\npub fn helper() {}\n"},
         {"src/other.rs", "pub fn spawn() {}\n"}});
  EXPECT_TRUE(Has("imports demo::task -> demo::task::spawn::spawn (exact)"))
      << All();
  // A use of a name in both namespaces imports both.
  EXPECT_TRUE(Has("imports demo -> demo::task::spawn (exact)")) << All();
  EXPECT_TRUE(Has("imports demo -> demo::task::spawn::spawn (exact)")) << All();
  const std::string call = "calls demo::f -> demo::task::spawn::spawn (exact)";
  EXPECT_EQ(std::count(edges_.begin(), edges_.end(), call), 3) << All();
}

// Associated items are looked up by the type's simple name; those written
// beside the type are its own, and another type of that name's are not.
TEST_F(ResolveTest, AssociatedItemsOfTheTypeNamedNotOfItsNamesakes) {
  Build({{"src/lib.rs",
          "pub mod a;\npub mod b;\npub mod c;\n"
          "fn f() { a::Stream::connect(); b::Stream::connect(); }\n"},
         {"src/a.rs", "pub struct Stream;\nimpl Stream { pub fn connect() {} }\n"},
         {"src/b.rs", "pub struct Stream;\nimpl Stream { pub fn connect() {} }\n"},
         // An impl away from its type: its members stay candidates.
         {"src/c.rs",
          "pub struct Far;\npub mod d { impl super::Far { pub fn go() {} } }\n"
          "pub mod e { pub struct Far; impl Far { pub fn go() {} } }\n"
          "fn g() { Far::go(); }\n"}});
  EXPECT_TRUE(Has("calls demo::f -> demo::a::Stream::connect (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::f -> demo::b::Stream::connect (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::c::g -> demo::c::d::Far::go (ambiguous)")) << All();
  EXPECT_TRUE(Has("calls demo::c::g -> demo::c::e::Far::go (ambiguous)")) << All();
}

// Method calls and name matches link only what the caller's crate may use
// (its Cargo.toml's dependencies, transitively); a crate that does not say
// may use every crate.
class CrateDepsTest : public ::testing::Test {
 protected:
  static aim::graph::FileInput Input(const std::string& crate,
                                     const std::string& text,
                                     std::optional<aim::graph::CrateDeps> deps) {
    auto in = FromSources(crate, {{crate + "/src/lib.rs", text}})[0];
    in.module = "";
    in.deps = std::move(deps);
    return in;
  }
  void SetUp() override {
    using aim::graph::CrateDeps;
    inputs_ = {
        Input("app", "pub fn main_loop(x: u8) { x.run(); x.stop(); crate::gone::helper(); }\n",
              CrateDeps{{"mid"}, {}}),
        // mid's dev-dependency is its own: app does not see it.
        Input("mid", "pub struct M;\nimpl M { pub fn run(&self) {} }\n",
              CrateDeps{{"low"}, {"other"}}),
        Input("low", "pub struct L;\nimpl L { pub fn run(&self) {} pub fn stop(&self) {} }\n"
                     "pub fn helper() {}\n",
              CrateDeps{}),
        Input("other", "pub struct O;\nimpl O { pub fn run(&self) {} pub fn stop(&self) {} }\n"
                       "pub fn helper() {}\n",
              CrateDeps{})};
  }
  std::vector<std::string> Edges() {
    Graph g;
    IngestAll(g, inputs_);
    return EdgeStrings(g);
  }
  std::vector<aim::graph::FileInput> inputs_;
};

TEST_F(CrateDepsTest, OnlyWhatTheCrateMayUse) {
  auto edges = Edges();
  // app -> mid -> low: both runs, low's stop and helper; never other's.
  EXPECT_THAT(edges, Contains("calls app::main_loop -> mid::M::run (ambiguous)"));
  EXPECT_THAT(edges, Contains("calls app::main_loop -> low::L::run (ambiguous)"));
  EXPECT_THAT(edges, Contains("calls app::main_loop -> low::L::stop (name)"));
  EXPECT_THAT(edges, Contains("calls app::main_loop -> low::helper (name)"));
  for (const std::string& e : edges) EXPECT_EQ(e.find("other::"), std::string::npos) << e;
}

TEST_F(CrateDepsTest, UnknownDepsSeeEveryCrate) {
  inputs_[0].deps.reset();  // app does not say
  auto edges = Edges();
  EXPECT_THAT(edges, Contains("calls app::main_loop -> other::O::run (ambiguous)"));
  EXPECT_THAT(edges, Contains("calls app::main_loop -> other::O::stop (ambiguous)"));
  // A dependency that does not say makes its dependents see every crate.
  SetUp();
  inputs_[1].deps.reset();  // mid
  EXPECT_THAT(Edges(), Contains("calls app::main_loop -> other::helper (ambiguous)"));
}

TEST_F(CrateDepsTest, ChangingDepsResolvesTheCratesFilesAgain) {
  Graph g;
  IngestAll(g, inputs_);
  // app now uses `other` too; then mid stops using low.
  inputs_[0].deps->deps.push_back("other");
  g.UpsertFile(inputs_[0]);
  Graph fresh;
  IngestAll(fresh, inputs_);
  EXPECT_EQ(g.Digest(), fresh.Digest());
  EXPECT_THAT(EdgeStrings(g), Contains("calls app::main_loop -> other::O::stop (ambiguous)"));
  inputs_[1].deps->deps.clear();
  g.UpsertFile(inputs_[1]);  // app sees low no more: only through mid
  Graph fresh2;
  IngestAll(fresh2, inputs_);
  EXPECT_EQ(g.Digest(), fresh2.Digest());
  EXPECT_THAT(EdgeStrings(g), Contains("calls app::main_loop -> other::O::stop (name)"));
  // Removing the dependency's file: its crate is gone.
  g.RemoveFile(inputs_[3].path);
  inputs_.pop_back();
  Graph fresh3;
  IngestAll(fresh3, inputs_);
  EXPECT_EQ(g.Digest(), fresh3.Digest());
}

// A graph loaded from its image knows what each crate may use: a change
// of it resolves again as it would have on the graph saved.
TEST_F(CrateDepsTest, WhatCratesUseSurvivesAnImage) {
  Graph g;
  IngestAll(g, inputs_);
  std::string image;
  g.SaveImage(&image);
  auto loaded = Graph::LoadImage(image);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->Digest(), g.Digest());
  inputs_[1].deps->deps.clear();  // mid stops using low
  g.UpsertFile(inputs_[1]);
  (*loaded)->UpsertFile(inputs_[1]);
  Graph fresh;
  IngestAll(fresh, inputs_);
  EXPECT_EQ(g.Digest(), fresh.Digest());
  EXPECT_EQ((*loaded)->Digest(), fresh.Digest());
  for (const std::string& e : EdgeStrings(**loaded))
    EXPECT_EQ(e.find("-> low::"), std::string::npos) << e;
}

TEST_F(ResolveTest, CrateSelfSuperPaths) {
  Build({{"src/lib.rs", "pub mod a;\npub fn root() {}\n"},
         {"src/a/mod.rs",
          "pub mod b;\npub fn here() {}\n"
          "fn f() { crate::root(); self::here(); self::b::deep(); }\n"},
         {"src/a/b.rs", "pub fn deep() { super::here(); super::super::root(); }\n"}});
  EXPECT_TRUE(Has("calls demo::a::f -> demo::root (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::a::f -> demo::a::here (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::a::f -> demo::a::b::deep (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::a::b::deep -> demo::a::here (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::a::b::deep -> demo::root (exact)")) << All();
}

// Edition 2015 (winapi, ...): `use` paths start at the crate root.
TEST_F(ResolveTest, UsePathsOfEdition2015StartAtTheCrateRoot) {
  Build({{"src/lib.rs", "pub mod shared;\npub mod um;\n"},
         {"src/shared/mod.rs", "pub mod minwindef;\n"},
         {"src/shared/minwindef.rs", "pub type DWORD = u32;\n"},
         {"src/um/mod.rs", "pub mod wingdi;\n"},
         {"src/um/wingdi.rs",
          "use shared::minwindef::DWORD;\npub fn f(a: DWORD) { g(); }\n"
          "fn g() { other::h(); }\n"}});
  EXPECT_TRUE(Has("uses demo::um::wingdi::f -> demo::shared::minwindef::DWORD (exact)"))
      << All();
  // A path whose first segment is nowhere, not even at the root, stays
  // external.
  EXPECT_TRUE(Has("calls demo::um::wingdi::g -> other::h (exact) ext")) << All();
}

// A first segment that names both another crate of the workspace and an
// item at the crate root: the crate if the path can be followed there
// (edition 2018), else the root's item (2015).
TEST(WorkspaceTest, CrateOrCrateRootItemOfOneName) {
  auto inputs = FromSources(
      "demo",
      {{"src/lib.rs", "pub mod shared;\npub mod serde;\npub mod um;\n"},
       {"src/shared/mod.rs", "pub mod minwindef;\n"},
       {"src/shared/minwindef.rs", "pub type DWORD = u32;\n"},
       {"src/serde.rs", "pub fn helper() {}\n"},
       {"src/um/mod.rs",
        "use shared::minwindef::DWORD;\nuse serde::Serialize;\n"
        "pub fn f(a: DWORD, b: Serialize) {}\n"}});
  for (auto crate : {FromSources("shared", {{"shared/src/lib.rs", "pub fn other() {}\n"}}),
                     FromSources("serde", {{"serde/src/lib.rs", "pub trait Serialize {}\n"}})}) {
    crate[0].module = "";  // each crate's root (its lib.rs)
    inputs.push_back(std::move(crate[0]));
  }
  Graph g;
  IngestAll(g, inputs);
  auto edges = EdgeStrings(g);
  EXPECT_THAT(edges, Contains("uses demo::um::f -> demo::shared::minwindef::DWORD (exact)"));
  EXPECT_THAT(edges, Contains("uses demo::um::f -> serde::Serialize (exact)"));
}

TEST_F(ResolveTest, LocalDefinitionShadowsItemOfSameNameElsewhere) {
  Build({{"src/lib.rs",
          "mod inner {\n  pub fn run() {}\n  pub fn go() { run(); }\n}\n"
          "pub fn run() {}\nfn main() { run(); inner::go(); }\n"}});
  EXPECT_TRUE(Has("calls demo::inner::go -> demo::inner::run (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::main -> demo::run (exact)")) << All();
  EXPECT_FALSE(Has("calls demo::main -> demo::inner::run (exact)")) << All();
}

TEST_F(ResolveTest, FnBodyItemsShadowModuleItems) {
  Build({{"src/lib.rs",
          "fn helper() {}\nfn outer() {\n  fn helper() {}\n  helper();\n}\n"}});
  EXPECT_TRUE(Has("calls demo::outer -> demo::outer::helper (exact)")) << All();
  EXPECT_FALSE(Has("calls demo::outer -> demo::helper (exact)")) << All();
}

// Two fns of one path (methods of impls of one type for two type
// arguments) each see the items of their own body, not the other's.
TEST_F(ResolveTest, ItemsOfTwoBodiesOfOnePathStayApart) {
  Build({{"src/lib.rs",
          "pub struct Lite<T>(T);\npub struct A;\npub struct B;\n"
          "impl Lite<A> {\n  fn fmt(&self) {\n    struct Print;\n"
          "    impl Print { fn go(&self) {} }\n    fn helper() {}\n"
          "    helper();\n  }\n}\n"
          "impl Lite<B> {\n  fn fmt(&self) {\n    struct Print;\n"
          "    impl Print { fn go(&self) {} }\n    fn helper() {}\n"
          "    helper();\n  }\n}\n"}});
  auto count = [&](const std::string& edge) {
    return std::count(edges_.begin(), edges_.end(), edge);
  };
  // Each Print has its own impl block, each fmt calls its own helper:
  // two edges each, exact (four, ambiguous, if the bodies were one scope).
  EXPECT_EQ(count("contains demo::Lite::fmt::Print -> "
                  "demo::Lite::fmt::impl Print (exact)"),
            2)
      << All();
  EXPECT_EQ(count("calls demo::Lite::fmt -> demo::Lite::fmt::helper (exact)"), 2)
      << All();
  for (const std::string& e : edges_)
    EXPECT_EQ(e.find("(ambiguous)"), std::string::npos) << e;
}

// The same across files (two files of one module: one path for both fns).
TEST_F(ResolveTest, ItemsOfBodiesOfOnePathInTwoFilesStayApart) {
  const std::string body =
      "pub fn f() {\n  struct P;\n  impl P { fn go(&self) {} }\n"
      "  fn h() {}\n  h();\n}\n";
  Build({{"src/lib.rs", "mod a;\n"}, {"src/a.rs", body}, {"src/a/mod.rs", body}});
  EXPECT_EQ(std::count(edges_.begin(), edges_.end(),
                       "calls demo::a::f -> demo::a::f::h (exact)"),
            2)
      << All();
  EXPECT_EQ(std::count(edges_.begin(), edges_.end(),
                       "contains demo::a::f::P -> demo::a::f::impl P (exact)"),
            2)
      << All();
}

// A fn body is no scope of the module that shares the fn's path.
TEST_F(ResolveTest, AFnDoesNotSeeIntoTheModuleOfItsName) {
  Build({{"src/lib.rs", "mod foo {\n  pub fn x() {}\n}\nfn foo() { x(); }\n"}});
  EXPECT_FALSE(Has("calls demo::foo -> demo::foo::x (exact)")) << All();
}

// `self.m(..)`: the methods of the impl's own type (or the trait's) when
// it has any; other receivers (and a type without such a method) match
// every method of the name.
TEST_F(ResolveTest, MethodCallsOnSelfPreferTheOwnType) {
  Build({{"src/lib.rs",
          "pub struct A;\npub struct B;\n"
          "impl A {\n  fn go(&self) {}\n  fn run(&self, b: B) { self.go(); b.go(); self.len(); }\n}\n"
          "impl B {\n  fn go(&self) {}\n  fn len(&self) {}\n}\n"
          "pub trait T { fn req(&self); fn def(&self) { self.req(); } }\n"
          "impl T for B { fn req(&self) {} }\n"}});
  EXPECT_TRUE(Has("calls demo::A::run -> demo::A::go (name)")) << All();
  EXPECT_EQ(std::count(edges_.begin(), edges_.end(),
                       "calls demo::A::run -> demo::A::go (ambiguous)"),
            1)
      << All();  // b.go(): either go
  EXPECT_TRUE(Has("calls demo::A::run -> demo::B::go (ambiguous)")) << All();
  // A has no len: any len.
  EXPECT_TRUE(Has("calls demo::A::run -> demo::B::len (name)")) << All();
  // In a trait's default method, self's methods are the trait's.
  EXPECT_TRUE(Has("calls demo::T::def -> demo::T::req (name)")) << All();
  EXPECT_FALSE(Has("calls demo::T::def -> demo::B::req (ambiguous)")) << All();
}

TEST_F(ResolveTest, SelfInImplAndTraitDefaults) {
  Build({{"src/lib.rs",
          "pub struct S;\nimpl S {\n  pub fn new() -> Self { Self::make() }\n"
          "  fn make() -> Self { S }\n}\n"
          "pub trait T { fn req(&self); fn def(&self) { Self::req(self); } }\n"}});
  EXPECT_TRUE(Has("calls demo::S::new -> demo::S::make (exact)")) << All();
  EXPECT_TRUE(Has("calls demo::T::def -> demo::T::req (exact)")) << All();
  EXPECT_TRUE(Has("contains demo::S -> demo::impl S (exact)")) << All();
  EXPECT_TRUE(Has("contains demo::impl S -> demo::S::new (exact)")) << All();
}

TEST_F(ResolveTest, ExternalPlaceholdersAndImportExpansion) {
  Build({{"src/lib.rs",
          "use std::fmt::Display;\nuse std::collections::HashMap as Map;\n"
          "pub struct P;\nimpl Display for P {}\n"
          "fn f(m: Map<u8, u8>) { tokio::spawn(x); Vec::new(); }\n"}});
  EXPECT_TRUE(Has("implements demo::P -> std::fmt::Display (exact) ext")) << All();
  EXPECT_TRUE(Has("uses demo::f -> std::collections::HashMap (exact) ext")) << All();
  EXPECT_TRUE(Has("calls demo::f -> tokio::spawn (exact) ext")) << All();
  EXPECT_TRUE(Has("calls demo::f -> Vec::new (exact) ext")) << All();
}

TEST_F(ResolveTest, DeriveMakesImplementsEdges) {
  Build({{"src/lib.rs",
          "pub trait Shape {}\n#[derive(Debug, Clone)]\npub struct C;\n"
          "impl Shape for C {}\n"}});
  // Derived traits are the std items the prelude's derive macros name.
  EXPECT_TRUE(Has("implements demo::C -> std::fmt::Debug (exact) ext")) << All();
  EXPECT_TRUE(Has("implements demo::C -> std::clone::Clone (exact) ext")) << All();
  EXPECT_TRUE(Has("implements demo::C -> demo::Shape (exact)")) << All();
  bool derive_flag = false;
  for (auto e : g_.LiveEntities())
    for (const auto& ed : g_.out(e))
      if (ed.kind == aim::model::EdgeKind::kImplements &&
          (ed.flags & aim::graph::kEdgeDerive))
        derive_flag = true;
  EXPECT_TRUE(derive_flag);
}

// One std item is one external however it is written.
TEST_F(ResolveTest, StdItemsAreOneExternalHoweverWritten) {
  Build({{"src/lib.rs",
          "use core::fmt;\nuse std::fmt::Debug as D;\n"
          "#[derive(Debug)]\npub struct A;\npub struct B;\npub struct C;\n"
          "impl fmt::Debug for B {}\nimpl D for C {}\n"
          "impl Clone for C {}\npub fn f(v: alloc::vec::Vec<u8>, w: Vec<u8>) {}\n"}});
  for (const char* t : {"A", "B", "C"})
    EXPECT_TRUE(Has(std::string("implements demo::") + t +
                    " -> std::fmt::Debug (exact) ext"))
        << t << "\n" << All();
  EXPECT_TRUE(Has("implements demo::C -> std::clone::Clone (exact) ext")) << All();
  EXPECT_TRUE(Has("uses demo::f -> std::vec::Vec (exact) ext")) << All();
  size_t externals = 0;
  for (auto e : g_.LiveEntities())
    externals += g_.entity(e).kind == aim::model::EntityKind::kExternal &&
                 g_.qualified(e).str() == "std::fmt::Debug";
  EXPECT_EQ(externals, 1u);
}

TEST_F(ResolveTest, BlanketImplIsFromTheImplBlock) {
  Build({{"src/lib.rs",
          "pub trait A {}\npub trait B {}\nimpl<T: A> B for T {}\n"}});
  EXPECT_TRUE(Has("implements demo::impl B for T -> demo::B (exact)")) << All();
}

TEST_F(ResolveTest, MethodCallsResolveByName) {
  Build({{"src/lib.rs",
          "pub struct A;\nimpl A { pub fn only(&self) {} pub fn twice(&self) {} }\n"
          "pub struct B;\nimpl B { pub fn twice(&self) {} }\n"
          "fn f(a: A) { a.only(); a.twice(); a.unknown(); }\n"}});
  EXPECT_TRUE(Has("calls demo::f -> demo::A::only (name)")) << All();
  EXPECT_TRUE(Has("calls demo::f -> demo::A::twice (ambiguous)")) << All();
  EXPECT_TRUE(Has("calls demo::f -> demo::B::twice (ambiguous)")) << All();
  EXPECT_TRUE(Has("calls demo::f -> unknown (exact) ext")) << All();
}

TEST_F(ResolveTest, ReLinksWhenDefinitionAppearsAndFallsBackWhenItGoes) {
  auto inputs = FromSources(
      "demo", {{"src/lib.rs", "mod m;\nuse m::Thing;\nfn f() { Thing::new(); }\n"},
               {"src/m.rs", "pub struct Thing;\n"}});
  IngestAll(g_, inputs);
  // `Thing::new` is not defined yet: Thing resolves, `new` does not.
  auto before = EdgeStrings(g_);
  EXPECT_THAT(before, Contains("calls demo::f -> Thing::new (exact) ext"));
  auto with_new = FromSources(
      "demo", {{"src/m.rs", "pub struct Thing;\nimpl Thing { pub fn new() {} }\n"}});
  g_.UpsertFile(with_new[0]);
  auto after = EdgeStrings(g_);
  EXPECT_THAT(after, Contains("calls demo::f -> demo::m::Thing::new (exact)"));
  EXPECT_THAT(after, Not(Contains("calls demo::f -> Thing::new (exact) ext")));
  g_.UpsertFile(inputs[1]);  // the impl goes away again
  EXPECT_EQ(EdgeStrings(g_), before);
}

TEST(WorkspaceTest, SeveralCratesOfAWorkspace) {
  Graph g;
  auto inputs = aim::testing::LoadTree(std::string(AIM_SOURCE_DIR) +
                                       "/tests/fixtures/workspace");
  ASSERT_EQ(inputs.size(), 7u);
  IngestAll(g, inputs);
  auto edges = EdgeStrings(g);
  // Crate names come from Cargo.toml (`alpha-core` -> alpha_core).
  EXPECT_THAT(edges, Contains("calls app::main -> alpha_core::connect (exact)"));
  EXPECT_THAT(edges, Contains("calls app::main -> alpha_core::net::resolve (exact)"));
  EXPECT_THAT(edges, Contains("calls smoke::smoke -> alpha_core::connect (exact)"));
  EXPECT_THAT(edges, Contains("calls tool::main -> tool::run (exact)"));
  // A re-export under another name.
  EXPECT_THAT(edges, Contains("calls alpha_core::connect -> "
                              "alpha_core::net::tcp::Stream::open (exact)"));
  // A glob re-export (`pub use util::*`) and super/crate/self paths.
  EXPECT_THAT(edges, Contains("calls alpha_core::connect -> alpha_core::util::checksum (exact)"));
  EXPECT_THAT(edges, Contains("calls alpha_core::net::resolve -> alpha_core::util::helper (exact)"));
  // A module-local fn shadows the imported one of the same name.
  EXPECT_THAT(edges, Contains("calls app::local::shadowed -> app::local::connect (exact)"));
  // Import aliases and externals through imports.
  EXPECT_THAT(edges, Contains("imports app -> alpha_core::Transport (exact)"));
  EXPECT_THAT(edges, Contains("implements alpha_core::net::tcp::Stream -> std::fmt::Display (exact) ext"));
  EXPECT_THAT(edges, Contains("calls app::main -> tokio::spawn (exact) ext"));
}

}  // namespace

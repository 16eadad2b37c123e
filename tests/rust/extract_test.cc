// The Rust extractor (aim/extract.h): one TEST per construct, with exact
// expectations on the facts it yields. Facts are rendered as short strings
// (see the *Key helpers) so that a whole list can be compared at once.
#include "aim/extract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace aim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// Extracts `src`; a leading newline is dropped so that a raw string literal
// can start on its own line and still count its first code line as line 1.
FileFacts X(std::string_view src, const ExtractOptions& opt = {}) {
  if (!src.empty() && src.front() == '\n') src.remove_prefix(1);
  return ExtractFacts("t.rs", src, opt);
}

// "kind path @line"
std::vector<std::string> Items(const FileFacts& f) {
  std::vector<std::string> v;
  for (const Item& it : f.items)
    v.push_back(std::string(ItemKindName(it.kind)) + " " + it.path + " @" +
                std::to_string(it.line));
  return v;
}

// "[!]Trait for Type @line [blanket] [derive] [macro]" ("-" for inherent).
std::vector<std::string> Impls(const FileFacts& f) {
  std::vector<std::string> v;
  for (const Impl& im : f.impls) {
    std::string s = im.negative ? "!" : "";
    s += im.trait_name.empty() ? "-" : im.trait_name;
    s += " for " + im.self_type + " @" + std::to_string(im.line);
    if (im.blanket) s += " blanket";
    if (im.derive) s += " derive";
    if (im.in_macro) s += " macro";
    v.push_back(s);
  }
  return v;
}

// "caller -> qualifier::callee @line" for path calls, "caller -> .m @line"
// for method calls; " [macro]" when in_macro.
std::vector<std::string> Calls(const FileFacts& f) {
  std::vector<std::string> v;
  for (const Call& c : f.calls) {
    std::string s = c.caller + " -> ";
    if (c.method) {
      s += "." + c.callee;
      EXPECT_FALSE(c.has_qualifier) << s;
    } else {
      EXPECT_EQ(c.has_qualifier, !c.qualifier.empty()) << c.callee;
      if (c.has_qualifier) s += c.qualifier + "::";
      s += c.callee;
    }
    s += " @" + std::to_string(c.line);
    if (c.in_macro) s += " [macro]";
    v.push_back(s);
  }
  return v;
}

// "path [as alias] @line [glob] [macro]"
std::vector<std::string> Imports(const FileFacts& f) {
  std::vector<std::string> v;
  for (const Import& u : f.imports) {
    std::string s = u.path;
    if (!u.alias.empty()) s += " as " + u.alias;
    s += " @" + std::to_string(u.line);
    if (u.glob) s += " glob";
    if (u.in_macro) s += " [macro]";
    v.push_back(s);
  }
  return v;
}

// "from: type @line"
std::vector<std::string> TypeUses(const FileFacts& f) {
  std::vector<std::string> v;
  for (const TypeUse& t : f.type_uses)
    v.push_back(t.from + ": " + t.type + " @" + std::to_string(t.line) +
                (t.in_macro ? " [macro]" : ""));
  return v;
}

// "caller ! name @line [macro]"
std::vector<std::string> Macros(const FileFacts& f) {
  std::vector<std::string> v;
  for (const MacroCall& m : f.macro_calls)
    v.push_back(m.caller + " ! " + m.name + " @" + std::to_string(m.line) +
                (m.in_macro ? " [macro]" : ""));
  return v;
}

// "line:col"
std::vector<std::string> ErrorPositions(const FileFacts& f) {
  std::vector<std::string> v;
  for (const Diagnostic& d : f.errors)
    v.push_back(std::to_string(d.line) + ":" + std::to_string(d.col));
  return v;
}

std::string AllErrors(const FileFacts& f) {
  std::string s;
  for (const Diagnostic& d : f.errors)
    s += std::to_string(d.line) + ":" + std::to_string(d.col) + " " +
         d.message + "\n";
  return s;
}

const Item& Find(const FileFacts& f, std::string_view path) {
  for (const Item& it : f.items)
    if (it.path == path) return it;
  ADD_FAILURE() << "no item with path " << path;
  static const Item kNone;
  return kNone;
}

#define EXPECT_NO_ERRORS(f) EXPECT_THAT((f).errors, IsEmpty()) << AllErrors(f)

// ===================================================================== items

TEST(ExtractItemsTest, FnQualifiers) {
  FileFacts f = X(R"rs(
fn plain() {}
pub const fn konst() -> u8 { 0 }
async fn fut() {}
unsafe fn danger() {}
pub extern "C" fn callback(x: i32) -> i32 { x }
const unsafe fn both() {}
pub(crate) async unsafe fn all() {}
unsafe extern "system" fn sys() {}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("fn plain @1", "fn konst @2", "fn fut @3",
                                    "fn danger @4", "fn callback @5",
                                    "fn both @6", "fn all @7", "fn sys @8"));
  EXPECT_EQ(Find(f, "plain").sig, "fn plain()");
  EXPECT_EQ(Find(f, "konst").sig, "pub const fn konst() -> u8");
  EXPECT_EQ(Find(f, "fut").sig, "async fn fut()");
  EXPECT_EQ(Find(f, "danger").sig, "unsafe fn danger()");
  EXPECT_EQ(Find(f, "callback").sig,
            "pub extern \"C\" fn callback(x: i32) -> i32");
  EXPECT_EQ(Find(f, "both").sig, "const unsafe fn both()");
  EXPECT_EQ(Find(f, "all").sig, "pub(crate) async unsafe fn all()");
  EXPECT_EQ(Find(f, "sys").sig, "unsafe extern \"system\" fn sys()");
  EXPECT_EQ(Find(f, "konst").vis, "pub");
  EXPECT_EQ(Find(f, "all").vis, "pub(crate)");
  EXPECT_EQ(Find(f, "plain").vis, "");
}

TEST(ExtractItemsTest, FnGenericsAndWhereClause) {
  FileFacts f = X(R"rs(
pub fn map<T, U, F>(v: Vec<T>, f: F) -> Vec<U>
where F: Fn(T) -> U, T: Clone
{
    v.into_iter().map(f).collect()
}
)rs");
  EXPECT_NO_ERRORS(f);
  ASSERT_THAT(Items(f), ElementsAre("fn map @1"));
  const Item& it = f.items[0];
  EXPECT_EQ(it.end_line, 5u);
  EXPECT_EQ(it.sig,
            "pub fn map<T, U, F>(v: Vec<T>, f: F) -> Vec<U> where F: Fn(T) -> "
            "U, T: Clone");
  EXPECT_THAT(Calls(f), UnorderedElementsAre("map -> .into_iter @4",
                                             "map -> .map @4",
                                             "map -> .collect @4"));
}

TEST(ExtractItemsTest, FnWithoutBody) {
  FileFacts f = X("fn decl(x: u8) -> u8;\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("fn decl @1"));
  EXPECT_EQ(f.items[0].sig, "fn decl(x: u8) -> u8");
}

TEST(ExtractItemsTest, StructForms) {
  FileFacts f = X(R"rs(
pub struct Named { pub x: i32, y: Vec<String> }
struct Tuple(pub u8, String);
struct Unit;
pub struct Gen<T: Clone, const N: usize> where T: Default { items: [T; N] }
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("struct Named @1", "struct Tuple @2",
                                    "struct Unit @3", "struct Gen @4"));
  EXPECT_EQ(Find(f, "Named").sig, "pub struct Named");
  EXPECT_EQ(Find(f, "Tuple").sig, "struct Tuple(pub u8, String)");
  EXPECT_EQ(Find(f, "Unit").sig, "struct Unit");
  EXPECT_EQ(Find(f, "Gen").sig,
            "pub struct Gen<T: Clone, const N: usize> where T: Default");
  EXPECT_THAT(TypeUses(f),
              UnorderedElementsAre("Named: Vec @1", "Named: String @1",
                                   "Tuple: String @2", "Gen: Clone @4",
                                   "Gen: Default @4"));
}

TEST(ExtractItemsTest, MultiLineStructEndLine) {
  FileFacts f = X(R"rs(
struct S {
    a: u8,
    b: u8,
}
)rs");
  EXPECT_NO_ERRORS(f);
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_EQ(f.items[0].line, 1u);
  EXPECT_EQ(f.items[0].end_line, 4u);
}

TEST(ExtractItemsTest, EnumVariantsAreNotItems) {
  FileFacts f = X(R"rs(
#[repr(u8)]
pub enum Color { Red = 1, Green(u8), Blue { b: Shade } }
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("enum Color @2"));
  EXPECT_EQ(f.items[0].sig, "pub enum Color");
  EXPECT_THAT(TypeUses(f), ElementsAre("Color: Shade @2"));
}

TEST(ExtractItemsTest, Union) {
  FileFacts f = X("union Bits { i: u32, f: f32 }\nfn union() {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("union Bits @1", "fn union @2"));
  EXPECT_EQ(f.items[0].sig, "union Bits");
}

TEST(ExtractItemsTest, TraitVariants) {
  FileFacts f = X(R"rs(
pub unsafe trait Raw {}
auto trait Marker {}
pub trait Shape: Debug + Clone where Self: Sized {
    const SIDES: u32;
    type Item<'a> where Self: 'a;
    fn area(&self) -> f64;
    fn name(&self) -> String { String::new() }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f),
              ElementsAre("trait Raw @1", "trait Marker @2", "trait Shape @3",
                          "const Shape::SIDES @4", "type Shape::Item @5",
                          "trait_method Shape::area @6",
                          "trait_method Shape::name @7"));
  EXPECT_EQ(Find(f, "Raw").sig, "pub unsafe trait Raw");
  EXPECT_EQ(Find(f, "Marker").sig, "auto trait Marker");
  EXPECT_EQ(Find(f, "Shape").sig,
            "pub trait Shape: Debug + Clone where Self: Sized");
  EXPECT_EQ(Find(f, "Shape").end_line, 8u);
  EXPECT_EQ(Find(f, "Shape::SIDES").sig, "const SIDES: u32");
  EXPECT_EQ(Find(f, "Shape::Item").sig, "type Item<'a> where Self: 'a");
  EXPECT_EQ(Find(f, "Shape::area").sig, "fn area(&self) -> f64");
  EXPECT_THAT(Calls(f), ElementsAre("Shape::name -> String::new @7"));
  EXPECT_THAT(f.impls, IsEmpty());
}

TEST(ExtractItemsTest, InherentImpl) {
  FileFacts f = X(R"rs(
impl Point {
    pub fn new() -> Self { Point }
    fn norm(&self) -> f64 { 0.0 }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("- for Point @1"));
  EXPECT_EQ(f.impls[0].trait_path, "");
  EXPECT_EQ(f.impls[0].type_path, "Point");
  EXPECT_EQ(f.impls[0].scope, "");
  EXPECT_EQ(f.impls[0].end_line, 4u);
  EXPECT_EQ(f.impls[0].sig, "impl Point");
  EXPECT_THAT(Items(f),
              ElementsAre("method Point::new @2", "method Point::norm @3"));
  EXPECT_EQ(Find(f, "Point::new").vis, "pub");
}

TEST(ExtractItemsTest, TraitImplWithPathTrait) {
  FileFacts f = X(R"rs(
impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("Display for Point @1"));
  EXPECT_EQ(f.impls[0].trait_path, "fmt::Display");
  EXPECT_EQ(f.impls[0].sig, "impl fmt::Display for Point");
  EXPECT_THAT(Items(f), ElementsAre("method Point::fmt @2"));
}

TEST(ExtractItemsTest, GenericImpls) {
  FileFacts f = X(R"rs(
impl<T> Wrapper<T> {}
impl<T> From<T> for Wrapper<T> {}
impl<T: Clone> Into<Vec<T>> for Holder<T> where T: Send {}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("- for Wrapper @1", "From for Wrapper @2",
                                    "Into for Holder @3"));
  EXPECT_EQ(f.impls[1].trait_path, "From");
  EXPECT_EQ(f.impls[2].trait_path, "Into");
  EXPECT_EQ(f.impls[2].sig,
            "impl<T: Clone> Into<Vec<T>> for Holder<T> where T: Send");
}

TEST(ExtractItemsTest, UnsafeImpl) {
  FileFacts f = X("struct P;\nunsafe impl Send for P {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("Send for P @2"));
  EXPECT_EQ(f.impls[0].sig, "unsafe impl Send for P");
}

TEST(ExtractItemsTest, NegativeImpl) {
  FileFacts f = X("impl !Send for Point {}\nimpl<T> !Sync for W<T> {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("!Send for Point @1", "!Sync for W @2"));
  EXPECT_EQ(f.impls[0].trait_path, "Send");
}

TEST(ExtractItemsTest, NegativeImplSig) {
  FileFacts f = X("impl !Send for Point {}\n");
  ASSERT_EQ(f.impls.size(), 1u);
  EXPECT_EQ(f.impls[0].sig, "impl !Send for Point");
}

TEST(ExtractItemsTest, NeverTypeImplIsNotNegative) {
  FileFacts f = X("impl Tr for ! {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("Tr for ! @1"));
}

TEST(ExtractItemsTest, BlanketImpl) {
  FileFacts f = X(R"rs(
impl<T: A> B for T {}
impl<T> C for T where T: A {}
impl<T> D for Box<T> {}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("B for T @1 blanket", "C for T @2 blanket",
                                    "D for Box @3"));
  EXPECT_EQ(f.impls[0].sig, "impl<T: A> B for T");
}

TEST(ExtractItemsTest, ConcreteTypeNamedLikeAParamElsewhereIsNotBlanket) {
  // T is a type param of the first impl only.
  FileFacts f = X("impl<T> A for W<T> {}\nimpl B for T {}\n");
  EXPECT_THAT(Impls(f), ElementsAre("A for W @1", "B for T @2"));
}

TEST(ExtractItemsTest, ImplSelfTypesThatAreNotPaths) {
  FileFacts f = X(R"rs(
impl<T> Tr for &T {}
impl<'a, T> Tr for &'a mut T {}
impl Tr for (A, B) {}
impl<T> Tr for [T] {}
impl<T> Tr for [T; 3] {}
impl Tr for dyn Trait {}
impl Tr for dyn Trait + Send {}
impl Tr for *const u8 {}
impl Tr for fn(u8) -> u8 {}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f),
              ElementsAre("Tr for &T @1 blanket", "Tr for &'amutT @2 blanket",
                          "Tr for (A,B) @3", "Tr for [T] @4",
                          "Tr for [T;3] @5", "Tr for dynTrait @6",
                          "Tr for dynTrait+Send @7", "Tr for *constu8 @8",
                          "Tr for fn(u8)->u8 @9"));
  // References to a path resolve through their referent; `&T` for a type
  // parameter is a blanket impl. Other self types have no path.
  for (size_t i = 0; i < f.impls.size(); ++i) {
    const Impl& im = f.impls[i];
    EXPECT_EQ(im.type_path, i < 2 ? "T" : "") << im.self_type;
    EXPECT_EQ(im.blanket, i < 2) << im.self_type;
  }
}

TEST(ExtractItemsTest, ImplSelfTypesThatArePaths) {
  FileFacts f = X(R"rs(
impl<T> Tr for Vec<T> {}
impl<T> Tr for a::b::C<T> {}
impl Tr for crate::m::D {}
impl Tr for E<'static, u8> {
    fn m() {}
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("Tr for Vec @1", "Tr for C @2",
                                    "Tr for D @3", "Tr for E @4"));
  EXPECT_EQ(f.impls[0].type_path, "Vec");
  EXPECT_EQ(f.impls[1].type_path, "a::b::C");
  EXPECT_EQ(f.impls[2].type_path, "crate::m::D");
  EXPECT_THAT(Items(f), ElementsAre("method E::m @5"));
}

TEST(ExtractItemsTest, ImplPathSegmentForReferenceSelfType) {
  FileFacts f = X("impl<'a> Tr for &'a Foo {\n    fn m(&self) { g(); }\n}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("method &'aFoo::m @2"));
  EXPECT_THAT(Calls(f), ElementsAre("&'aFoo::m -> g @2"));
}

TEST(ExtractItemsTest, ImplSigWithNonPathSelfTypes) {
  FileFacts f = X(R"rs(
impl<'a, T> Tr for &'a mut T {}
impl Tr for (A, B) {}
impl<T> Tr for [T] {}
)rs");
  ASSERT_EQ(f.impls.size(), 3u);
  EXPECT_EQ(f.impls[0].sig, "impl<'a, T> Tr for &'a mut T");
  EXPECT_EQ(f.impls[1].sig, "impl Tr for (A, B)");
  EXPECT_EQ(f.impls[2].sig, "impl<T> Tr for [T]");
}

TEST(ExtractItemsTest, ConstGenericBlockInImplHeader) {
  FileFacts f = X("impl Tr for Foo<{ N }> {\n    fn m() {}\n}\nfn after() {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("Tr for Foo @1"));
  EXPECT_THAT(Items(f), ElementsAre("method Foo::m @2", "fn after @4"));
}

TEST(ExtractItemsTest, ConstGenericBlockInReturnType) {
  FileFacts f = X("fn r() -> Foo<{ N + 1 }> {\n    g();\n}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("fn r @1"));
  EXPECT_EQ(f.items[0].end_line, 3u);
  EXPECT_THAT(Calls(f), ElementsAre("r -> g @2"));
}

TEST(ExtractItemsTest, ConstGenericBlockDefault) {
  FileFacts f = X("struct S<const N: usize = { 3 }> {\n    a: [u8; N],\n}\n"
                  "fn after() {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("struct S @1", "fn after @4"));
  EXPECT_EQ(f.items[0].end_line, 3u);
}

TEST(ExtractItemsTest, TypeAlias) {
  FileFacts f = X(
      "pub type Result<T> = std::result::Result<T, Error>;\n"
      "type Callback = Box<dyn Fn(u8) -> u8 + Send>;\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("type Result @1", "type Callback @2"));
  EXPECT_EQ(f.items[0].sig,
            "pub type Result<T> = std::result::Result<T, Error>");
  EXPECT_EQ(f.items[1].sig, "type Callback = Box<dyn Fn(u8) -> u8 + Send>");
  EXPECT_THAT(TypeUses(f),
              UnorderedElementsAre("Result: std::result::Result @1",
                                   "Result: Error @1", "Callback: Box @2",
                                   "Callback: Fn @2", "Callback: Send @2"));
  EXPECT_THAT(Calls(f), IsEmpty());
}

TEST(ExtractItemsTest, ConstAndStatic) {
  FileFacts f = X(R"rs(
const MAX: usize = 10;
pub const NAME: &str = "x";
pub static mut COUNTER: u32 = 0;
static TABLE: [u8; 4] = [0; 4];
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("const MAX @1", "const NAME @2",
                                    "static COUNTER @3", "static TABLE @4"));
  EXPECT_EQ(Find(f, "MAX").sig, "const MAX: usize");
  EXPECT_EQ(Find(f, "NAME").sig, "pub const NAME: &str");
  EXPECT_EQ(Find(f, "COUNTER").sig, "pub static mut COUNTER: u32");
  EXPECT_EQ(Find(f, "COUNTER").vis, "pub");
  EXPECT_EQ(Find(f, "TABLE").sig, "static TABLE: [u8; 4]");
}

TEST(ExtractItemsTest, ConstUnderscore) {
  FileFacts f = X(R"rs(
const _: () = {
    fn hidden() { work(); }
};
const _: fn() = || {};
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f),
              ElementsAre("const _ @1", "fn hidden @2", "const _ @4"));
  EXPECT_EQ(f.items[0].sig, "const _: ()");
  EXPECT_THAT(Calls(f), ElementsAre("hidden -> work @2"));
}

TEST(ExtractItemsTest, InlineAndFileModules) {
  FileFacts f = X(R"rs(
mod outer {
    pub mod inner {
        pub fn f() {}
    }
    fn g() {}
}
mod external;
pub(crate) mod sibling;
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f),
              ElementsAre("mod outer @1", "mod outer::inner @2",
                          "fn outer::inner::f @3", "fn outer::g @5",
                          "mod external @7", "mod sibling @8"));
  EXPECT_EQ(Find(f, "outer").end_line, 6u);
  EXPECT_EQ(Find(f, "outer").sig, "mod outer");
  EXPECT_EQ(Find(f, "outer::inner").sig, "pub mod inner");
  EXPECT_EQ(Find(f, "external").sig, "mod external");
  EXPECT_EQ(Find(f, "sibling").vis, "pub(crate)");
  EXPECT_EQ(Find(f, "sibling").sig, "pub(crate) mod sibling");
}

TEST(ExtractItemsTest, MacroRules) {
  FileFacts f = X(R"rs(
macro_rules! square {
    ($x:expr) => { $x * $x };
}
#[macro_export]
macro_rules! cube { ($x:expr) => { f($x) * $x * $x } }
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("macro_rules square @1",
                                    "macro_rules cube @5"));
  EXPECT_EQ(f.items[0].sig, "macro_rules! square");
  EXPECT_EQ(f.items[0].end_line, 3u);
  EXPECT_THAT(Calls(f), IsEmpty());
  EXPECT_THAT(Macros(f), IsEmpty());
}

TEST(ExtractItemsTest, ExternBlock) {
  FileFacts f = X(R"rs(
extern "C" {
    fn abs(x: i32) -> i32;
    static errno: i32;
    type Opaque;
    pub fn puts(s: *const u8) -> i32;
}
unsafe extern "C" {
    pub safe fn sqrt(x: f64) -> f64;
    pub unsafe static mut FLAGS: u32;
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("fn abs @2", "static errno @3",
                                    "type Opaque @4", "fn puts @5",
                                    "fn sqrt @8", "static FLAGS @9"));
  EXPECT_EQ(Find(f, "abs").sig, "fn abs(x: i32) -> i32");
  EXPECT_EQ(Find(f, "puts").vis, "pub");
  EXPECT_EQ(Find(f, "puts").sig, "pub fn puts(s: *const u8) -> i32");
  EXPECT_EQ(Find(f, "sqrt").sig, "pub safe fn sqrt(x: f64) -> f64");
}

TEST(ExtractItemsTest, UseTrees) {
  FileFacts f = X(R"rs(
use a::{b, c::{d as e}, *};
use super::*;
use self::x;
use crate::m::{self, n as _};
pub use q::r as s;
use std::{
    io,
    fmt::Display,
};
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Imports(f),
              ElementsAre("a::b @1", "a::c::d as e @1", "a::* @1 glob",
                          "super::* @2 glob", "self::x @3", "crate::m @4",
                          "crate::m::n as _ @4", "q::r as s @5",
                          "std::io @7", "std::fmt::Display @8"));
  for (const Import& u : f.imports) EXPECT_EQ(u.scope, "");
  EXPECT_THAT(Items(f), IsEmpty());
}

TEST(ExtractItemsTest, ExternCrate) {
  FileFacts f = X("extern crate foo as bar;\nextern crate baz;\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Imports(f), ElementsAre("foo as bar @1", "baz @2"));
}

TEST(ExtractItemsTest, UseScopes) {
  FileFacts f = X(R"rs(
mod m {
    use a::b;
    fn f() {
        use c::d;
    }
}
)rs");
  EXPECT_NO_ERRORS(f);
  ASSERT_EQ(f.imports.size(), 2u);
  EXPECT_EQ(f.imports[0].scope, "m");
  EXPECT_EQ(f.imports[1].scope, "m::f");
  EXPECT_EQ(f.imports[1].line, 4u);
}

TEST(ExtractItemsTest, AssociatedItemsInImpl) {
  FileFacts f = X(R"rs(
impl Shape for Circle {
    const SIDES: u32 = 0;
    type Item<'a> = &'a u8;
    fn area(&self) -> f64 { 3.0 }
    pub fn extra() {}
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f),
              ElementsAre("const Circle::SIDES @2", "type Circle::Item @3",
                          "method Circle::area @4", "method Circle::extra @5"));
  EXPECT_EQ(Find(f, "Circle::SIDES").sig, "const SIDES: u32");
  EXPECT_EQ(Find(f, "Circle::Item").sig, "type Item<'a> = &'a u8");
  EXPECT_EQ(Find(f, "Circle::extra").vis, "pub");
}

TEST(ExtractItemsTest, ItemsNestedInFnBodiesAndBlocks) {
  FileFacts f = X(R"rs(
fn outer() {
    fn inner() {}
    struct Local;
    impl Local {
        fn m(&self) {}
    }
    {
        fn in_block() {}
    }
    let c = || {
        fn in_closure() {}
    };
    const K: u8 = 1;
    if cond {
        enum InIf { A }
    }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f),
              ElementsAre("fn outer @1", "fn outer::inner @2",
                          "struct outer::Local @3", "method outer::Local::m @5",
                          "fn outer::in_block @8", "fn outer::in_closure @11",
                          "const outer::K @13", "enum outer::InIf @15"));
  EXPECT_THAT(Impls(f), ElementsAre("- for Local @4"));
  EXPECT_EQ(f.impls[0].scope, "outer");
}

TEST(ExtractItemsTest, ItemsNestedInMethodBody) {
  FileFacts f = X(R"rs(
mod m {
    impl S {
        fn new() -> Self {
            fn helper() {}
            S
        }
    }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("mod m @1", "method m::S::new @3",
                                    "fn m::S::new::helper @4"));
  EXPECT_EQ(f.impls[0].scope, "m");
}

TEST(ExtractItemsTest, Visibility) {
  FileFacts f = X(R"rs(
pub fn a() {}
pub(crate) fn b() {}
pub(in crate::x) fn c() {}
pub(super) fn d() {}
pub(self) fn e() {}
fn f() {}
pub(in a::b) struct G;
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "a").vis, "pub");
  EXPECT_EQ(Find(f, "b").vis, "pub(crate)");
  EXPECT_EQ(Find(f, "c").vis, "pub(in crate::x)");
  EXPECT_EQ(Find(f, "d").vis, "pub(super)");
  EXPECT_EQ(Find(f, "e").vis, "pub(self)");
  EXPECT_EQ(Find(f, "f").vis, "");
  EXPECT_EQ(Find(f, "G").vis, "pub(in a::b)");
  EXPECT_EQ(Find(f, "G").sig, "pub(in a::b) struct G");
}

TEST(ExtractItemsTest, CfgAttributesAreKept) {
  FileFacts f = X(R"rs(
#[cfg(feature = "serde")]
fn a() {}
#[cfg(unix)]
#[cfg(not(test))]
fn b() {}
#[inline]
#[cfg(all(unix, target_pointer_width = "64"))]
pub fn c() {}
fn d() {}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f),
              ElementsAre("fn a @2", "fn b @5", "fn c @8", "fn d @9"));
  EXPECT_EQ(Find(f, "a").cfg, "feature = \"serde\"");
  EXPECT_EQ(Find(f, "b").cfg, "unix && not(test)");
  EXPECT_FALSE(Find(f, "b").test);
  EXPECT_EQ(Find(f, "c").cfg, "all(unix, target_pointer_width = \"64\")");
  EXPECT_EQ(Find(f, "d").cfg, "");
  // Attributes are not part of the signature.
  EXPECT_EQ(Find(f, "c").sig, "pub fn c()");
}

TEST(ExtractItemsTest, TestAttributesAndCfgTestModules) {
  FileFacts f = X(R"rs(
#[test]
fn t1() {}
#[cfg(test)]
mod tests {
    use super::*;
    fn helper() {}
    #[test]
    fn t2() { helper(); }
    struct Fixture;
    impl Fixture { fn new() -> Self { Fixture } }
}
fn not_test() {}
#[tokio::test]
async fn t3() {}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f),
              ElementsAre("fn t1 @2", "mod tests @4", "fn tests::helper @6",
                          "fn tests::t2 @8", "struct tests::Fixture @9",
                          "method tests::Fixture::new @10", "fn not_test @12",
                          "fn t3 @14"));
  EXPECT_TRUE(Find(f, "t1").test);
  EXPECT_TRUE(Find(f, "tests").test);
  EXPECT_EQ(Find(f, "tests").cfg, "test");
  EXPECT_TRUE(Find(f, "tests::helper").test);
  EXPECT_TRUE(Find(f, "tests::t2").test);
  EXPECT_TRUE(Find(f, "tests::Fixture").test);
  EXPECT_TRUE(Find(f, "tests::Fixture::new").test);
  EXPECT_FALSE(Find(f, "not_test").test);
  EXPECT_TRUE(Find(f, "t3").test);
  EXPECT_THAT(Calls(f), ElementsAre("tests::t2 -> helper @8"));
  EXPECT_THAT(Imports(f), ElementsAre("super::* @5 glob"));
  EXPECT_EQ(f.imports[0].scope, "tests");
}

TEST(ExtractItemsTest, DeriveGivesOneImplPerTrait) {
  FileFacts f = X(R"rs(
#[derive(Debug, Clone, PartialEq)]
pub struct P { x: i32 }
#[derive(
    Copy,
    serde::Serialize,
)]
enum E { A }
mod m {
    #[derive(Default)]
    union U { a: u8 }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f),
              ElementsAre("Debug for P @1 derive", "Clone for P @1 derive",
                          "PartialEq for P @1 derive", "Copy for E @4 derive",
                          "Serialize for E @5 derive",
                          "Default for U @9 derive"));
  EXPECT_EQ(f.impls[0].type_path, "P");
  EXPECT_EQ(f.impls[0].trait_path, "Debug");
  EXPECT_EQ(f.impls[5].scope, "m");
  EXPECT_THAT(Items(f), ElementsAre("struct P @2", "enum E @7", "mod m @8",
                                    "union m::U @10"));
}

TEST(ExtractItemsTest, DeriveTraitPathAsWritten) {
  // Impl::trait_path is "the trait path as written, without generic args".
  FileFacts f = X("#[derive(serde::Serialize)]\nstruct S;\n");
  ASSERT_EQ(f.impls.size(), 1u);
  EXPECT_EQ(f.impls[0].trait_name, "Serialize");
  EXPECT_EQ(f.impls[0].trait_path, "serde::Serialize");
}

TEST(ExtractItemsTest, CfgAttrDerive) {
  FileFacts f = X("#[cfg_attr(feature = \"x\", derive(Hash))]\nstruct S;\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Impls(f), ElementsAre("Hash for S @1 derive"));
  EXPECT_EQ(f.items[0].cfg, "");
}

TEST(ExtractItemsTest, RawIdentifierNames) {
  FileFacts f = X("fn r#type() {}\nstruct r#match;\nfn g() { r#fn(); }\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("fn type @1", "struct match @2",
                                    "fn g @3"));
  EXPECT_THAT(Calls(f), ElementsAre("g -> fn @3"));
}

TEST(ExtractItemsTest, ItemsGeneratedInsideMacroInvocations) {
  FileFacts f = X(R"rs(
my_macro! {
    fn generated() { inner(); }
    impl Tr for Gen {}
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Items(f), ElementsAre("fn generated @2"));
  EXPECT_TRUE(f.items[0].in_macro);
  EXPECT_THAT(Impls(f), ElementsAre("Tr for Gen @3 macro"));
  EXPECT_THAT(Calls(f), ElementsAre("generated -> inner @2 [macro]"));
  EXPECT_THAT(Macros(f), ElementsAre(" ! my_macro @1"));
}

TEST(ExtractItemsTest, FileLevelFacts) {
  std::string src = "fn a() {}\n// end\n";
  FileFacts f = ExtractFacts("src/lib.rs", src);
  EXPECT_EQ(f.file, "src/lib.rs");
  EXPECT_EQ(f.lines, 2u);
  EXPECT_EQ(f.content_hash, ContentHash(src));
  EXPECT_NE(ContentHash("a"), ContentHash("b"));
}

TEST(ExtractItemsTest, TypeUsesOfFieldsBoundsAndSignatures) {
  FileFacts f = X(R"rs(
pub struct Holder<T: Display> {
    inner: Box<dyn Store<Key>>,
    pub(crate) list: Vec<(Point, io::Error)>,
    n: u64,
    t: T,
}
pub fn area(s: &Shape, scale: f64, out: &mut std::vec::Vec<Point>) -> Result<Area, io::Error> {}
trait Tr: Base { fn m(&self) -> Self; }
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(TypeUses(f),
              UnorderedElementsAre(
                  "Holder: Display @1", "Holder: Box @2", "Holder: Store @2",
                  "Holder: Key @2", "Holder: Vec @3", "Holder: Point @3",
                  "Holder: io::Error @3", "area: Shape @7",
                  "area: std::vec::Vec @7", "area: Point @7",
                  "area: Result @7", "area: Area @7", "area: io::Error @7",
                  "Tr: Base @8"));
}

TEST(ExtractItemsTest, TypeUsesAfterACommaInGenericArgs) {
  // The comma inside `<Key, Value>` does not end the field or param.
  FileFacts f = X(R"rs(
pub struct Index { map: HashMap<Key, Value>, n: u8 }
pub fn get(m: &HashMap<Key, Value>, k: Key) -> u8 {}
enum E { B { f: Pair<Z, W> } }
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(TypeUses(f),
              UnorderedElementsAre("Index: HashMap @1", "Index: Key @1",
                                   "Index: Value @1", "get: HashMap @2",
                                   "get: Key @2", "get: Value @2",
                                   "E: Pair @3", "E: Z @3", "E: W @3"));
}

TEST(ExtractItemsTest, CfgTestImplMarksMethodsTest) {
  FileFacts f = X("#[cfg(test)]\nimpl S {\n    fn helper() {}\n}\nimpl S {\n    fn real() {}\n}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_TRUE(Find(f, "S::helper").test);
  EXPECT_FALSE(Find(f, "S::real").test);
}

// ==================================================================== bodies

TEST(ExtractBodiesTest, PathCalls) {
  FileFacts f = X(R"rs(
fn f() {
    g(1);
    a::b::<T>::c(2);
    Self::new();
    <T as Tr>::h();
    Vec::<u8>::with_capacity(3);
    crate::util::helper();
    super::up();
    generic::<u8>(4);
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> g @2", "f -> a::b::c @3",
                                   "f -> Self::new @4", "f -> <T as Tr>::h @5",
                                   "f -> Vec::with_capacity @6",
                                   "f -> crate::util::helper @7",
                                   "f -> super::up @8", "f -> generic @9"));
}

TEST(ExtractBodiesTest, QualifiedPathCallWithGenericTrait) {
  FileFacts f = X("fn f() { <Vec<u8> as From<&[u8]>>::from(x); }\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), ElementsAre("f -> <Vec<u8> as From<&[u8]>>::from @1"));
}

TEST(ExtractBodiesTest, MethodCalls) {
  FileFacts f = X(R"rs(
fn f(v: Vec<u8>) {
    v.iter().map(|x| x + 1).collect::<Vec<_>>();
    v
        .len();
    self.0.clone();
    x.parse::<u32>().unwrap();
    fut().await.done();
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> .iter @2", "f -> .map @2",
                                   "f -> .collect @2", "f -> .len @4",
                                   "f -> .clone @5", "f -> .parse @6",
                                   "f -> .unwrap @6", "f -> fut @7",
                                   "f -> .done @7"));
}

TEST(ExtractBodiesTest, MethodCallsOnSelfAreMarked) {
  const FileFacts f = X(R"(
impl S {
  fn f(&self, x: T) {
    self.a(); x.b(); self.field.c(); (*self).d(); Self::e(self); &self.g();
    other::self.h();
  }
})");
  std::vector<std::string> on_self;
  for (const Call& c : f.calls)
    if (c.on_self) on_self.push_back(c.callee);
  EXPECT_THAT(on_self, ElementsAre("a", "g"));
}

TEST(ExtractBodiesTest, FieldAccessIsNotACall) {
  FileFacts f = X("fn f() { let a = s.field; let b = s.0; (s.cb)(1); }\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), IsEmpty());
}

TEST(ExtractBodiesTest, ConstructorCallsInExpressions) {
  FileFacts f = X(R"rs(
fn f() -> Result<u8, E> {
    let a = Some(1);
    let b: Result<u8, ()> = Ok(2);
    let p = Point(1, 2);
    return Err(E::Bad(3));
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> Some @2", "f -> Ok @3",
                                   "f -> Point @4", "f -> Err @5",
                                   "f -> E::Bad @5"));
}

TEST(ExtractBodiesTest, TupleStructPatternsAreNotCalls) {
  FileFacts f = X(R"rs(
fn f(o: Option<u8>) {
    let Some(x) = o else { return };
    if let Some(y) = get() {}
    while let Some(z) = it.next() {}
    match o {
        Some(w) => {}
        Wrapper(Inner(q)) | Other(q) => {}
        None => {}
    }
    for Pair(a, b) in pairs() {}
    let c = |Wrapper(v): Wrapper| v;
    let d = move |(a, b)| a;
    let Point { x, y } = p;
    let (Some(m), n) = (first(), 2);
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> get @3", "f -> .next @4",
                                   "f -> pairs @10", "f -> first @14"));
}

TEST(ExtractBodiesTest, PatternsInMatchArmsWithPaths) {
  FileFacts f = X(R"rs(
fn f(e: E) {
    match e {
        E::A(x) => act(x),
        crate::E::B { y } => {}
        E::C(..) if ok() => {}
        _ => {}
    }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), UnorderedElementsAre("f -> act @3", "f -> ok @5"));
}

TEST(ExtractBodiesTest, FnPointerAndFnTraitTypesAreNotCalls) {
  FileFacts f = X(R"rs(
fn f() {
    let p: fn(u8) -> u8 = double;
    let b: Box<dyn Fn(u8)> = Box::new(|x| println!("{}", x));
    let v = make::<Box<dyn FnMut(u8) -> u8>>();
    let w = x as fn(u8);
    let e = Vec::<fn(u8)>::new();
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> Box::new @3", "f -> make @4",
                                   "f -> Vec::new @6"));
  EXPECT_THAT(Macros(f), ElementsAre("f ! println @3"));
}

TEST(ExtractBodiesTest, TurbofishContentsAreNotCalls) {
  FileFacts f =
      X("fn f() { g::<Vec<u8>, Tr<Fn(u8)>, fn(u8) -> u8, Box<dyn FnMut()>>(); "
        "}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), ElementsAre("f -> g @1"));
}

TEST(ExtractBodiesTest, ConstGenericBlockInTurbofish) {
  FileFacts f = X("fn h() {\n    f::<{ 1 + 2 }>();\n    Foo::<{ N }>::new();\n}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), UnorderedElementsAre("h -> f @2", "h -> Foo::new @3"));
}

TEST(ExtractBodiesTest, CallsInMatchGuardsAreCalls) {
  FileFacts f = X(R"rs(
fn f(o: Option<u8>) {
    match o {
        Some(x) if check(x) => run(x),
        Some(_) if x.is_big() => {}
        _ => stop(),
    }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), UnorderedElementsAre("f -> check @3", "f -> run @3",
                                             "f -> .is_big @4",
                                             "f -> stop @5"));
}

TEST(ExtractBodiesTest, CallsInMatchScrutineeAndBlockArms) {
  FileFacts f = X(R"rs(
fn f() {
    match compute() {
        1 => if a() { b() } else { c() }
        2 => unsafe { d() }
        _ => loop { e() }
    }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> compute @2", "f -> a @3",
                                   "f -> b @3", "f -> c @3", "f -> d @4",
                                   "f -> e @5"));
}

TEST(ExtractBodiesTest, CallsInClosuresBelongToTheEnclosingFn) {
  FileFacts f = X(R"rs(
fn outer() {
    let c = |x: u8| helper(x);
    let d = move || { other() };
    items.iter().for_each(|i| process(i));
    let e = async move { later().await };
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("outer -> helper @2", "outer -> other @3",
                                   "outer -> .iter @4", "outer -> .for_each @4",
                                   "outer -> process @4", "outer -> later @5"));
}

TEST(ExtractBodiesTest, CallsInNestedFnsBelongToTheNestedFn) {
  FileFacts f = X(R"rs(
fn outer() {
    before();
    fn inner() {
        deep();
    }
    after();
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), UnorderedElementsAre("outer -> before @2",
                                             "outer::inner -> deep @4",
                                             "outer -> after @6"));
}

TEST(ExtractBodiesTest, CallsInMethodsAndTraitDefaults) {
  FileFacts f = X(R"rs(
impl Foo {
    fn a(&self) { self.b(); Self::c(); }
}
trait Tr {
    fn d(&self) { e(); }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), UnorderedElementsAre("Foo::a -> .b @2",
                                             "Foo::a -> Self::c @2",
                                             "Tr::d -> e @5"));
}

TEST(ExtractBodiesTest, MacroInvocationsAndCallsInside) {
  FileFacts f = X(R"rs(
fn f() {
    println!("{}", compute(x));
    let v = vec![make(), other.m()];
    assert_eq!(a(), b);
    std::println!("x");
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Macros(f),
              UnorderedElementsAre("f ! println @2", "f ! vec @3",
                                   "f ! assert_eq @4", "f ! println @5"));
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> compute @2 [macro]",
                                   "f -> make @3 [macro]",
                                   "f -> .m @3 [macro]", "f -> a @4 [macro]"));
}

TEST(ExtractBodiesTest, NestedMacroInvocations) {
  FileFacts f = X("fn f() { outer!(inner!(g())); }\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Macros(f),
              UnorderedElementsAre("f ! outer @1", "f ! inner @1 [macro]"));
  EXPECT_THAT(Calls(f), ElementsAre("f -> g @1 [macro]"));
}

TEST(ExtractBodiesTest, MacroCallsOutsideFns) {
  FileFacts f = X(R"rs(
my_macro!(item);
mod m {
    lazy_static! { static ref X: u8 = 1; }
}
impl S {
    delegate!(to inner);
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Macros(f), UnorderedElementsAre(" ! my_macro @1",
                                              "m ! lazy_static @3",
                                              "S ! delegate @6"));
}

TEST(ExtractBodiesTest, MacroCallInModuleConstInitializer) {
  // MacroCall::caller is "innermost enclosing fn, or enclosing item path".
  FileFacts f = X("const C: u8 = m!();\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Macros(f), ElementsAre("C ! m @1"));
}

TEST(ExtractBodiesTest, ConstInitializersInsideFnsCount) {
  FileFacts f = X(R"rs(
fn f() {
    const N: usize = size();
    static S: u8 = init();
}
const M: usize = size();
static T: Lazy<u8> = Lazy::new(|| init());
impl X { const C: u8 = calc(); }
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), UnorderedElementsAre("f -> size @2", "f -> init @3"));
  EXPECT_THAT(Items(f),
              ElementsAre("fn f @1", "const f::N @2", "static f::S @3",
                          "const M @5", "static T @6", "const X::C @7"));
}

TEST(ExtractBodiesTest, CallLineIsTheCalleeNameLine) {
  FileFacts f = X(R"rs(
fn f() {
    a::b::
        c(1);
    x
        .y()
        .z();
    g
    (2);
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> a::b::c @3", "f -> .y @5",
                                   "f -> .z @6", "f -> g @7"));
}

TEST(ExtractBodiesTest, ComparisonsAndShiftsAreNotGenerics) {
  FileFacts f = X(R"rs(
fn f() {
    let a = x < y(1);
    let b = p << q(2);
    if m < n && o > r(3) { s(4); }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> y @2", "f -> q @3", "f -> r @4",
                                   "f -> s @4"));
}

TEST(ExtractBodiesTest, CallsInStructLiteralsIndexingAndArrays) {
  FileFacts f = X(R"rs(
fn f() {
    let s = S { a: g(), ..Default::default() };
    let v = arr[idx()];
    let w = [h(); 4];
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f),
              UnorderedElementsAre("f -> g @2", "f -> Default::default @2",
                                   "f -> idx @3", "f -> h @4"));
}

TEST(ExtractBodiesTest, TupleIndexThenMethodCall) {
  FileFacts f = X("fn f() { t.0.1.len(); }\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), ElementsAre("f -> .len @1"));
}

TEST(ExtractBodiesTest, LabelsAndLifetimesInBodies) {
  FileFacts f = X(R"rs(
fn f<'a>(x: &'a str) -> &'a str {
    'outer: loop { if done() { break 'outer; } }
    let c = 'x';
    go(c)
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), UnorderedElementsAre("f -> done @2", "f -> go @4"));
}

TEST(ExtractBodiesTest, StringsWithCodeInsideAreNotScanned) {
  FileFacts f = X(R"rs(
fn f() {
    let s = "g(1); fn h() {}";
    let r = r#"k("x")"#;
    // m();
    /* n(); */
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(Calls(f), IsEmpty());
  EXPECT_THAT(Items(f), ElementsAre("fn f @1"));
}

// ================================================================ robustness

TEST(ExtractRobustnessTest, SyntaxErrorInOneItemKeepsTheOthers) {
  FileFacts f = X(R"rs(
fn good1() {}
fn 123() {}
struct = 5;
fn good2() { call(); }
)rs");
  EXPECT_THAT(ErrorPositions(f), ElementsAre("2:4", "3:8")) << AllErrors(f);
  for (const Diagnostic& d : f.errors) EXPECT_FALSE(d.message.empty());
  EXPECT_THAT(Items(f), ElementsAre("fn good1 @1", "fn good2 @4"));
  EXPECT_THAT(Calls(f), ElementsAre("good2 -> call @4"));
}

TEST(ExtractRobustnessTest, StrayTokensAtModuleLevel) {
  FileFacts f = X(R"rs(
fn a() {}
let x = 5;
  fn b() {}
)rs");
  EXPECT_THAT(ErrorPositions(f), ElementsAre("2:1")) << AllErrors(f);
  EXPECT_THAT(Items(f), ElementsAre("fn a @1", "fn b @3"));
}

TEST(ExtractRobustnessTest, UnbalancedDelimitersInOneFn) {
  FileFacts f = X(R"rs(
fn a() {}
fn b() { (]  }
fn c() {}
)rs");
  EXPECT_THAT(ErrorPositions(f), UnorderedElementsAre("2:11", "2:10"))
      << AllErrors(f);
  EXPECT_THAT(Items(f), ElementsAre("fn a @1", "fn b @2", "fn c @3"));
}

TEST(ExtractRobustnessTest, ErrorColumnsAreInBytes) {
  // "é" is two bytes: the `=` after the comment is at byte column 7.
  FileFacts f = X("/*é*/= ;\n");
  EXPECT_THAT(ErrorPositions(f), ElementsAre("1:7")) << AllErrors(f);
}

TEST(ExtractRobustnessTest, MissingImplBody) {
  FileFacts f = X("impl Foo\nfn after() {}\n");
  EXPECT_THAT(ErrorPositions(f), ElementsAre("2:1")) << AllErrors(f);
  EXPECT_THAT(Items(f), ElementsAre("fn after @2"));
}

TEST(ExtractRobustnessTest, InvalidUtf8IsReportedAndTheRestExtracted) {
  FileFacts f = X("fn a() {}\n\xFF\xFE\nfn b() {}\n");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_EQ(f.errors[0].line, 2u);
  EXPECT_EQ(f.errors[0].col, 1u);
  EXPECT_EQ(f.errors[0].message, "invalid UTF-8");
  EXPECT_THAT(Items(f), ElementsAre("fn a @1", "fn b @3"));
}

TEST(ExtractRobustnessTest, UnterminatedStringIsReported) {
  FileFacts f = X("fn a() {}\nfn b() { let s = \"abc; }\n");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_EQ(f.errors[0].line, 2u);
  EXPECT_EQ(f.errors[0].col, 18u);
  EXPECT_THAT(f.errors[0].message, HasSubstr("unterminated"));
  EXPECT_THAT(Items(f), ElementsAre("fn a @1", "fn b @2"));
}

TEST(ExtractRobustnessTest, UnterminatedCommentIsReported) {
  FileFacts f = X("fn a() {}\n  /* open\nfn b() {}\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_THAT(ErrorPositions(f), ElementsAre("2:3"));
  EXPECT_THAT(Items(f), ElementsAre("fn a @1"));
}

TEST(ExtractRobustnessTest, EmptyFile) {
  FileFacts f = X("");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(f.lines, 0u);
  EXPECT_THAT(f.items, IsEmpty());
  EXPECT_THAT(f.impls, IsEmpty());
  EXPECT_THAT(f.calls, IsEmpty());
  EXPECT_THAT(f.imports, IsEmpty());
  EXPECT_THAT(f.type_uses, IsEmpty());
  EXPECT_THAT(f.macro_calls, IsEmpty());
}

TEST(ExtractRobustnessTest, OnlyComments) {
  FileFacts f = X("// one\n/* two\n /* nested */ */\n//! three\n/// four\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(f.lines, 5u);
  EXPECT_THAT(f.items, IsEmpty());
  EXPECT_THAT(f.macro_calls, IsEmpty());
}

TEST(ExtractRobustnessTest, OnlyInnerAttributesAndShebang) {
  FileFacts f = X("#!/usr/bin/env run\n#![allow(unused)]\n#![cfg(test)]\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_THAT(f.items, IsEmpty());
}

// Runs `src` and checks that it ends with an error mentioning nesting (no
// crash, no stack overflow), and that the item after the deep part is still
// extracted. No timing is asserted here: the benchmarks measure speed.
class DeepNestingTest : public ::testing::Test {
 protected:
  FileFacts Run(const std::string& src) {
    return ExtractFacts("deep.rs", src);
  }
  static std::string Repeat(std::string_view s, int n) {
    std::string r;
    r.reserve(s.size() * n);
    for (int i = 0; i < n; ++i) r += s;
    return r;
  }
  static bool HasItem(const FileFacts& f, std::string_view path) {
    for (const Item& it : f.items)
      if (it.path == path) return true;
    return false;
  }
  static constexpr int kDepth = 10000;
};

TEST_F(DeepNestingTest, Parens) {
  FileFacts f = Run("fn before() {}\nfn f() { let x = " + Repeat("(", kDepth) +
                    "1" + Repeat(")", kDepth) + "; }\nfn after() { g(); }\n");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_THAT(f.errors[0].message, HasSubstr("nesting")) << AllErrors(f);
  EXPECT_EQ(f.errors[0].line, 2u);
  EXPECT_TRUE(HasItem(f, "before"));
  EXPECT_TRUE(HasItem(f, "f"));
  EXPECT_TRUE(HasItem(f, "after"));
  EXPECT_THAT(Calls(f), ElementsAre("after -> g @3"));
}

TEST_F(DeepNestingTest, Braces) {
  FileFacts f = Run("fn f() " + Repeat("{", kDepth) + Repeat("}", kDepth) +
                    "\nfn after() {}\n");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_THAT(f.errors[0].message, HasSubstr("nesting")) << AllErrors(f);
  EXPECT_TRUE(HasItem(f, "f"));
  EXPECT_TRUE(HasItem(f, "after"));
}

TEST_F(DeepNestingTest, Brackets) {
  FileFacts f = Run("fn f() { let x = " + Repeat("[", kDepth) +
                    Repeat("]", kDepth) + "; }\nfn after() {}\n");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_THAT(f.errors[0].message, HasSubstr("nesting")) << AllErrors(f);
  EXPECT_TRUE(HasItem(f, "after"));
}

TEST_F(DeepNestingTest, BracketsInTypes) {
  // Delimiter nesting beyond ExtractOptions::max_nesting is reported, in
  // types as in expressions.
  FileFacts f = Run("fn g(x: " + Repeat("[", kDepth) + "u8" +
                    Repeat("]", kDepth) + ") {}\nfn after() {}\n");
  ASSERT_FALSE(f.errors.empty()) << "10,000-deep `[` in a type not reported";
  EXPECT_THAT(f.errors[0].message, HasSubstr("nesting")) << AllErrors(f);
  EXPECT_TRUE(HasItem(f, "g"));
  EXPECT_TRUE(HasItem(f, "after"));
}

// "Terminates ... on any bytes at all": each case runs in a child process
// so that a stack overflow fails only its own test.
void ExpectExtractsWithoutCrash(const std::string& src) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        FileFacts f = ExtractFacts("deep.rs", src);
        std::exit(f.items.empty() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

constexpr int kVeryDeep = 500000;

TEST_F(DeepNestingTest, VeryDeepArrayTypeInParamDoesNotCrash) {
  ExpectExtractsWithoutCrash("fn g(x: " + Repeat("[", kVeryDeep) + "u8" +
                             Repeat("]", kVeryDeep) + ") {}\n");
}

TEST_F(DeepNestingTest, VeryDeepArrayTypeInAliasDoesNotCrash) {
  ExpectExtractsWithoutCrash("type T = " + Repeat("[", kVeryDeep) + "u8" +
                             Repeat("]", kVeryDeep) + ";\n");
}

TEST_F(DeepNestingTest, VeryDeepFnTraitReturnTypeDoesNotCrash) {
  ExpectExtractsWithoutCrash("fn g() -> " + Repeat("dyn Fn() -> ", kVeryDeep) +
                             "u8 {}\n");
}

TEST_F(DeepNestingTest, VeryDeepReferenceTypesDoNotCrash) {
  ExpectExtractsWithoutCrash("fn g() -> " + Repeat("&", kVeryDeep) +
                             "u8 {}\nstatic S: " +
                             Repeat("*const ", kVeryDeep) + "u8 = 0;\n");
}

TEST_F(DeepNestingTest, Modules) {
  FileFacts f = Run(Repeat("mod a {", kDepth) + Repeat("}", kDepth) +
                    "\nfn after() {}\n");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_THAT(f.errors[0].message, HasSubstr("nesting")) << AllErrors(f);
  EXPECT_TRUE(HasItem(f, "a"));
  EXPECT_TRUE(HasItem(f, "after"));
  // Modules below the limit are still extracted; the rest are skipped.
  EXPECT_GE(f.items.size(), 100u);
  EXPECT_LE(f.items.size(), ExtractOptions().max_nesting + 2u);
}

TEST_F(DeepNestingTest, UnclosedOpeners) {
  for (std::string_view open : {"(", "{", "[", "mod a {"}) {
    FileFacts f = Run("fn before() {}\nfn f() { " + Repeat(open, kDepth));
    EXPECT_FALSE(f.errors.empty()) << open;
    EXPECT_TRUE(HasItem(f, "before")) << open;
  }
}

TEST_F(DeepNestingTest, BalancedGenericsInTypes) {
  // Valid Rust, nested 10,000 deep: no crash, and the items are there.
  FileFacts f = Run("type T = " + Repeat("Vec<", kDepth) + "u8" +
                    Repeat(">", kDepth) + ";\nfn f() -> " +
                    Repeat("Box<", kDepth) + "u8" + Repeat(">", kDepth) +
                    " { g::<" + Repeat("Vec<", kDepth) + "u8" +
                    Repeat(">", kDepth) + ">(); }\nfn after() {}\n");
  EXPECT_TRUE(HasItem(f, "T"));
  EXPECT_TRUE(HasItem(f, "f"));
  EXPECT_TRUE(HasItem(f, "after"));
}

TEST_F(DeepNestingTest, UnclosedGenericsAreReported) {
  // `<` 10,000 times with no `>`: a syntax error, to be reported.
  FileFacts f = Run("fn f() -> " + Repeat("Vec<", kDepth) +
                    " {}\nfn after() {}\n");
  EXPECT_FALSE(f.errors.empty()) << "missing `>` not reported";
  EXPECT_TRUE(HasItem(f, "after"));
}

TEST_F(DeepNestingTest, LessThanChainInExpression) {
  FileFacts f = Run("fn f() { let x = a" + Repeat(" < a", kDepth) +
                    "; g(); }\nfn after() {}\n");
  EXPECT_TRUE(HasItem(f, "after"));
}

TEST_F(DeepNestingTest, DeepReferenceAndPointerTypes) {
  // Prefix type operators nest without delimiters: `&&&...u8`, `*const`.
  for (std::string_view op : {"&", "*const ", "&'a mut ", "[", "dyn Fn() -> "}) {
    std::string ty = Repeat(op, kDepth) + "u8";
    if (op == "[") ty += Repeat("]", kDepth);
    FileFacts f = Run("type T = " + ty + ";\nfn g(x: " + ty +
                      ") {}\nfn after() {}\n");
    EXPECT_TRUE(HasItem(f, "after")) << op;
  }
}

TEST_F(DeepNestingTest, DeepUseTreeAndAttributes) {
  FileFacts f = Run("use " + Repeat("a::{", kDepth) + "b" +
                    Repeat("}", kDepth) + ";\n#[" +
                    Repeat("cfg_attr(x, ", kDepth) + "test" +
                    Repeat(")", kDepth) + "]\nfn after() {}\n");
  EXPECT_FALSE(f.errors.empty());
  EXPECT_TRUE(HasItem(f, "after"));
}

TEST_F(DeepNestingTest, NestingLimitIsConfigurable) {
  ExtractOptions opt;
  opt.max_nesting = 4;
  FileFacts shallow = X("mod a { mod b { fn f() {} } }\n", opt);
  EXPECT_NO_ERRORS(shallow);
  FileFacts deep = X("mod a { mod b { mod c { mod d { mod e { fn f() {} } } } } }\n"
                     "fn after() {}\n",
                     opt);
  ASSERT_FALSE(deep.errors.empty());
  EXPECT_THAT(deep.errors[0].message, HasSubstr("nesting"));
  EXPECT_TRUE(HasItem(deep, "after"));
  EXPECT_FALSE(HasItem(deep, "a::b::c::d::e::f"));
}

// Checks invariants that hold for the facts of any input at all.
void CheckInvariants(const FileFacts& f, std::string_view src) {
  EXPECT_EQ(f.content_hash, ContentHash(src));
  uint32_t max_line = f.lines + 1;
  for (const Item& it : f.items) {
    EXPECT_FALSE(it.name.empty());
    EXPECT_TRUE(it.path.size() >= it.name.size() &&
                it.path.compare(it.path.size() - it.name.size(),
                                it.name.size(), it.name) == 0)
        << it.path << " / " << it.name;
    EXPECT_GE(it.line, 1u);
    EXPECT_LE(it.line, max_line);
    EXPECT_GE(it.end_line, it.line);
  }
  for (const Call& c : f.calls) {
    EXPECT_FALSE(c.caller.empty());
    EXPECT_FALSE(c.callee.empty());
    EXPECT_GE(c.line, 1u);
    EXPECT_LE(c.line, max_line);
  }
  for (const Diagnostic& d : f.errors) {
    EXPECT_GE(d.line, 1u);
    EXPECT_LE(d.line, max_line);
    EXPECT_GE(d.col, 1u);
    EXPECT_FALSE(d.message.empty());
  }
}

TEST(ExtractRobustnessTest, RandomBytesDoNotCrash) {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 200; ++round) {
    std::uniform_int_distribution<int> len(0, 4096);
    std::uniform_int_distribution<int> byte(0, 255);
    std::string src(len(rng), '\0');
    for (char& c : src) c = static_cast<char>(byte(rng));
    FileFacts f = ExtractFacts("random.rs", src);
    CheckInvariants(f, src);
  }
}

TEST(ExtractRobustnessTest, RandomTokenSoupDoesNotCrash) {
  // Rust-looking fragments in random order reach deeper into the parser
  // than random bytes do.
  static const char* const kFrags[] = {
      "fn ", "f", "(", ")", "{", "}", "[", "]", "<", ">", "::", ":", ";",
      ",", "impl ", "for ", "struct ", "enum ", "trait ", "mod ", "use ",
      "pub ", "crate", "self", "Self", "super", "let ", "match ", "if ",
      "=>", "->", "|", "||", "&", "'a ", "'x'", "\"s\"", "r#\"raw\"#", "1",
      "1.5", "#", "!", "?", "*", "as ", "where ", "dyn ", "unsafe ",
      "extern ", "\"C\"", "const ", "static ", "type ", "=", ".", "..",
      "macro_rules! ", "m!", "async ", "move ", "\n", " ", "/*", "*/", "//",
      "union ", "auto ", "'", "\"", "\xff", "r#", "b'", "0x", "e",
  };
  constexpr size_t kN = sizeof(kFrags) / sizeof(kFrags[0]);
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::uniform_int_distribution<int> len(0, 600);
    std::uniform_int_distribution<size_t> pick(0, kN - 1);
    std::string src;
    for (int n = len(rng); n > 0; --n) src += kFrags[pick(rng)];
    FileFacts f = ExtractFacts("soup.rs", src);
    CheckInvariants(f, src);
  }
}

TEST(ExtractRobustnessTest, ConcurrentCallsAgree) {
  std::string src =
      "fn a() { b(); c.d(); }\nimpl T for U { fn m() { n!(o()); } }\n";
  FileFacts expected = ExtractFacts("x.rs", src);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      bool same = true;
      for (int i = 0; i < 200; ++i) {
        FileFacts f = ExtractFacts("x.rs", src);
        same = same && Calls(f) == Calls(expected) &&
               Items(f) == Items(expected) && Impls(f) == Impls(expected);
      }
      ok[t] = same;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(ok[t]) << "thread " << t;
}

// ================================================================ signatures

TEST(ExtractSignaturesTest, AsyncGenericMethod) {
  FileFacts f = X(R"rs(
impl<K, V> Cache<K, V> {
    /// Looks up a key.
    #[inline]
    pub async fn get<K: Hash>(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "Cache::get").sig,
            "pub async fn get<K: Hash>(&self, k: &K) -> Option<&V>");
  EXPECT_EQ(Find(f, "Cache::get").line, 4u);
  EXPECT_EQ(Find(f, "Cache::get").end_line, 6u);
}

TEST(ExtractSignaturesTest, StructHeader) {
  FileFacts f = X(R"rs(
pub struct Cache<K, V>
where
    K: Eq + Hash
{
    map: HashMap<K, V>,
}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "Cache").sig, "pub struct Cache<K, V> where K: Eq + Hash");
}

TEST(ExtractSignaturesTest, TraitHeader) {
  FileFacts f = X(
      "pub trait Store<K>: Send + Sync + 'static where K: Ord {\n"
      "    fn get<Q: ?Sized>(&self, q: &Q) -> Option<&K> where K: "
      "Borrow<Q>;\n}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "Store").sig,
            "pub trait Store<K>: Send + Sync + 'static where K: Ord");
  EXPECT_EQ(Find(f, "Store::get").sig,
            "fn get<Q: ?Sized>(&self, q: &Q) -> Option<&K> where K: Borrow<Q>");
}

TEST(ExtractSignaturesTest, ImplHeader) {
  FileFacts f = X(
      "impl<K: Hash + Eq, V> Store<K> for Cache<K, V> where V: Clone {}\n");
  EXPECT_NO_ERRORS(f);
  ASSERT_EQ(f.impls.size(), 1u);
  EXPECT_EQ(f.impls[0].sig,
            "impl<K: Hash + Eq, V> Store<K> for Cache<K, V> where V: Clone");
  EXPECT_EQ(f.impls[0].trait_name, "Store");
  EXPECT_EQ(f.impls[0].self_type, "Cache");
}

TEST(ExtractSignaturesTest, WhitespaceAndCommentsAreNormalised) {
  FileFacts f = X(R"rs(
pub   fn   spaced <T>( a :T ,b:  & 'static str )->Vec< T >{ todo!() }
pub fn commented(/* the a */ a: u8 /* trailing */) {}
)rs");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "spaced").sig,
            "pub fn spaced<T>(a: T, b: &'static str) -> Vec<T>");
  EXPECT_EQ(Find(f, "commented").sig, "pub fn commented(a: u8)");
}

TEST(ExtractSignaturesTest, ImplTraitAndDynInSignature) {
  FileFacts f = X(
      "fn it<'a>(x: &'a str, f: impl Fn(u8) -> bool) -> impl Iterator<Item "
      "= &'a u8> + 'a {}\n"
      "fn never() -> ! { loop {} }\n"
      "fn arr(x: [u8; 4], p: *const T, d: &dyn Display) {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "it").sig,
            "fn it<'a>(x: &'a str, f: impl Fn(u8) -> bool) -> impl "
            "Iterator<Item = &'a u8> + 'a");
  EXPECT_EQ(Find(f, "never").sig, "fn never() -> !");
  EXPECT_EQ(Find(f, "arr").sig,
            "fn arr(x: [u8; 4], p: *const T, d: &dyn Display)");
}

TEST(ExtractSignaturesTest, SpaceAfterMutAndLifetimeBeforeDelimiters) {
  // rustfmt writes `&mut [u8]`, `&'a (u8, u8)`, `&'static [u8]`.
  FileFacts f = X(
      "pub fn fill(&mut self, buf: &mut [u8], pair: &'a (u8, u8)) -> "
      "&'static [u8] {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "fill").sig,
            "pub fn fill(&mut self, buf: &mut [u8], pair: &'a (u8, u8)) -> "
            "&'static [u8]");
}

TEST(ExtractSignaturesTest, TrailingCommaDoesNotChangeTheSignature) {
  // The same signature, formatted on one line or by rustfmt over several
  // lines (with trailing commas), renders the same.
  FileFacts one = X("pub fn long(a: u8, b: u16) -> u32 {}\n");
  FileFacts many = X(R"rs(
pub fn long(
    a: u8,
    b: u16,
) -> u32 {}
)rs");
  EXPECT_NO_ERRORS(many);
  EXPECT_EQ(Find(one, "long").sig, "pub fn long(a: u8, b: u16) -> u32");
  EXPECT_EQ(Find(many, "long").sig, "pub fn long(a: u8, b: u16) -> u32");
}

TEST(ExtractSignaturesTest, PatternParamsAndAttributesOnParams) {
  FileFacts f = X(
      "fn p((a, b): (u8, u8), mut c: u8, _: u8) {}\n");
  EXPECT_NO_ERRORS(f);
  EXPECT_EQ(Find(f, "p").sig,
            "fn p((a, b): (u8, u8), mut c: u8, _: u8)");
}

}  // namespace
}  // namespace aim

// Facts that one Rust source file contributes to the Interface Signature
// Graph. This is plain data: produced by the extractor (aim/extract.h),
// consumed by the graph, the WAL payload codec and the CLI's `aim parse`.
//
// Conventions (the `aim parse` JSON Lines contract is a direct rendering):
//  - Lines are 1-based. An item's `line` is the line of its name, an impl's
//    the line of its `impl` keyword, a call's the line of the callee's name.
//  - `path` is the nesting path inside the file, ending with the item's own
//    name: an inline `mod m` adds `m`; an `impl ... X` block adds X's last
//    path segment without generics (or, for references, tuples, slices and
//    trait objects, the type as written with all whitespace removed); a
//    `trait T` adds `T`; a fn adds its name for items nested in its body.
//  - `in_macro` marks facts found inside a macro invocation's token tree:
//    they are a best effort, since a macro may give its tokens any meaning.
#ifndef AIM_FACTS_H_
#define AIM_FACTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aim {

enum class ItemKind : uint8_t {
  kFn,           // free fn, or fn nested in a body, or in an extern block
  kMethod,       // fn in an impl block
  kTraitMethod,  // fn in a trait, with or without a default body
  kStruct,
  kEnum,
  kUnion,
  kTrait,
  kType,  // type alias, associated type, extern type
  kConst,
  kStatic,
  kMod,  // `mod x;` and `mod x { .. }`
  kMacroRules,
};
inline constexpr int kItemKindCount = 12;

// The contract's name of a kind ("fn", "trait_method", ...).
std::string_view ItemKindName(ItemKind kind);

struct Item {
  ItemKind kind = ItemKind::kFn;
  std::string name;
  std::string path;  // nesting path in the file, ends with `name`
  uint32_t line = 0;
  uint32_t end_line = 0;  // line of the item's last token
  std::string vis;        // "" (private), "pub", "pub(crate)", "pub(in a::b)"
  std::string sig;        // normalised header text, body elided
  std::string cfg;        // `cfg(...)` predicates, joined with " && "
  bool test = false;      // #[test] or inside #[cfg(test)]
  bool in_macro = false;
  int32_t parent = -1;  // enclosing mod/trait/fn item (index into items)
  int32_t impl = -1;    // enclosing impl block (index into impls)
  // XXH3-64 of the item's source text, from its name through the last
  // token of its last line (so an edit of its body or signature changes
  // it); 0 when unknown (facts of an older record).
  uint64_t text_hash = 0;
};

struct Impl {
  std::string trait_name;  // last segment of the trait path, "" if inherent
  std::string trait_path;  // trait path as written, without generic args
  std::string self_type;   // see the header comment (contract rendering)
  // The self type's path without generic args; for a reference to a path
  // (`&'a mut Foo<T>`) the referent's (`Foo`); "" for other self types.
  std::string type_path;
  std::string scope;       // nesting path of the block holding the impl
  std::string sig;         // normalised header `impl<T: A> B for T`
  uint32_t line = 0;
  uint32_t end_line = 0;
  bool derive = false;    // from #[derive(..)]: one fact per derived trait
  bool negative = false;  // impl !Send for X
  bool blanket = false;   // self type is one of the impl's type params (or &T)
  bool in_macro = false;
  int32_t parent = -1;  // enclosing mod/trait/fn item (index into items)
  uint64_t text_hash = 0;  // as Item::text_hash (0 for a derive)
};

struct Call {
  std::string caller;     // path of the innermost enclosing fn
  std::string callee;     // last path segment, or the method's name
  std::string qualifier;  // for path calls: the path before the callee
  uint32_t line = 0;
  bool method = false;    // `.m(..)` rather than `p::f(..)`
  bool has_qualifier = false;
  bool in_macro = false;
  int32_t caller_item = -1;  // index of the caller in items
  bool on_self = false;   // a method called on `self` itself: `self.m(..)`
};

struct Import {
  std::string path;   // full path of one leaf of a use tree, "*" for globs
  std::string alias;  // `as` name, "" if none ("_" for `as _`)
  std::string scope;  // nesting path of the block holding the `use`
  std::string vis;    // visibility of the `use` ("pub" for a re-export)
  uint32_t line = 0;
  bool glob = false;
  bool in_macro = false;
  int32_t scope_item = -1;  // enclosing mod/trait/fn item, -1 at file level
};

struct TypeUse {
  std::string from;  // path of the item whose signature/field/bound names it
  std::string type;  // the type's path as written, without generic args
  uint32_t line = 0;
  bool in_macro = false;
  int32_t from_item = -1;  // index of `from` in items
};

struct MacroCall {
  std::string caller;  // innermost enclosing fn, or enclosing item path
  std::string name;    // last segment of the macro path
  uint32_t line = 0;
  bool in_macro = false;
};

struct Diagnostic {
  uint32_t line = 0;
  uint32_t col = 0;  // 1-based, in bytes
  std::string message;
};

struct FileFacts {
  std::string file;           // path as handed to the extractor
  uint64_t content_hash = 0;  // XXH3-64 of the bytes
  uint32_t lines = 0;
  std::vector<Item> items;
  std::vector<Impl> impls;
  std::vector<Call> calls;
  std::vector<Import> imports;
  std::vector<TypeUse> type_uses;
  std::vector<MacroCall> macro_calls;
  std::vector<Diagnostic> errors;
};

}  // namespace aim

#endif  // AIM_FACTS_H_

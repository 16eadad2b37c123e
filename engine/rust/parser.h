// The Rust item parser: tokens -> FileFacts. Internal to engine/rust; the
// public entry point is aim::ExtractFacts (aim/extract.h).
//
// It is a recursive-descent parser over items with a lighter scanner for
// fn bodies: bodies are not parsed into expression trees, but walked with
// enough structure (patterns of `let`/`match`/`for`/closures, turbofish,
// qualified paths, nested items, macro token trees) to tell a call from a
// pattern or a type. Recursion depth is bounded by ExtractOptions::
// max_nesting; delimiter groups are skipped in O(1) through LexResult::match.
#ifndef AIM_ENGINE_RUST_PARSER_H_
#define AIM_ENGINE_RUST_PARSER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aim/extract.h"
#include "aim/facts.h"
#include "engine/rust/lexer.h"

namespace aim::rust {

class Parser {
 public:
  Parser(std::string_view src, const LexResult& lex, const ExtractOptions& opt,
         FileFacts& out);
  void Run();

 private:
  enum class Scope : uint8_t { kModule, kImpl, kTrait, kExtern, kBody };

  struct Attrs {
    std::string cfg;
    bool test = false;
    bool cfg_test = false;
    // Each derived trait: first token of its path, and its last segment.
    std::vector<std::pair<uint32_t, uint32_t>> derives;
  };

  // ---- tokens (parser.cc)
  Tok K(size_t i) const { return toks_[i].kind; }
  const Token& T(size_t i) const { return toks_[i]; }
  std::string_view Text(size_t i) const {
    return src_.substr(toks_[i].offset, toks_[i].len);
  }
  bool IsWord(size_t i, std::string_view w) const {
    return K(i) == Tok::kIdent && Text(i) == w;
  }
  // The identifier's name, without a raw `r#` prefix.
  std::string_view Name(size_t i) const;
  // Index after the group opened at i (i must be an opening delimiter).
  size_t After(size_t i) const { return match_[i] + 1; }
  size_t Close(size_t i) const { return match_[i]; }
  // Index after `<...>` starting at i (a kLt); stops early (returning the
  // stop index) at `;`, `{` outside the angles, or `end`.
  size_t SkipAngle(size_t i, size_t end) const;
  void Error(size_t i, std::string message);
  uint32_t Col(size_t i) const;

  // ---- items (items.cc)
  void ParseItems(size_t i, size_t end, Scope scope);
  // Sets each item's and impl's text hash (Item::text_hash): its source
  // from its first token through the last token of its last line.
  void HashTexts();
  size_t ParseItem(size_t i, size_t end, Scope scope);
  size_t ParseAttrs(size_t i, size_t end, Attrs& attrs);
  void ParseAttr(size_t begin, size_t end, Attrs& attrs);
  size_t ParseVis(size_t i, size_t end, std::string& vis);
  size_t ParseFn(size_t i, size_t end, size_t sig_start, Scope scope,
                 const Attrs& attrs, std::string vis);
  size_t ParseAdt(size_t i, size_t end, size_t sig_start, ItemKind kind,
                  const Attrs& attrs, std::string vis);
  size_t ParseTrait(size_t i, size_t end, size_t sig_start, const Attrs& attrs,
                    std::string vis);
  size_t ParseImpl(size_t i, size_t end, size_t sig_start, const Attrs& attrs);
  size_t ParseTypeAlias(size_t i, size_t end, size_t sig_start,
                        const Attrs& attrs, std::string vis);
  size_t ParseConstStatic(size_t i, size_t end, size_t sig_start,
                          ItemKind kind, const Attrs& attrs, std::string vis);
  size_t ParseMod(size_t i, size_t end, size_t sig_start, const Attrs& attrs,
                  std::string vis);
  size_t ParseUse(size_t i, size_t end, const std::string& vis);
  void ParseUseTree(size_t i, size_t end, std::string prefix);
  size_t ParseExtern(size_t i, size_t end, Scope scope);
  size_t ParseMacroRules(size_t i, size_t end, const Attrs& attrs);
  size_t ParseItemMacro(size_t i, size_t end, Scope scope);
  // Skips a malformed item: to just after the next top-level `;` or `{..}`,
  // or to the next token that starts an item. Always advances.
  size_t Recover(size_t i, size_t end);
  // Index of the first top-level `stop` in [i, end), or end.
  size_t FindTop(size_t i, size_t end, Tok stop) const;
  size_t FindBodyStart(size_t i, size_t end) const;
  // Appends an item named by token `name_tok`; returns its index.
  size_t AddItem(ItemKind kind, size_t name_tok, const Attrs& attrs,
                 std::string vis);
  // Enters one more level of nesting, or reports (once) that the input is
  // nested too deeply and returns false.
  bool EnterNesting(size_t i);
  void AddDerives(const Attrs& attrs, std::string_view type_name);
  // Generic parameters `<...>` at i: appends type-parameter names to
  // generic_names_ and records bound types as uses of `from`.
  size_t ParseGenerics(size_t i, size_t end, int32_t from);
  size_t SkipWhere(size_t i, size_t end, int32_t from);

  // ---- types (types.cc)
  // Index after the type starting at i (bounded by end).
  size_t SkipType(size_t i, size_t end, bool allow_plus) const;
  size_t SkipTypeInner(size_t i, size_t end, bool allow_plus) const;
  bool IsTrailingComma(size_t i) const;
  size_t SkipPath(size_t i, size_t end) const;
  size_t SkipBounds(size_t i, size_t end) const;
  // Records every type path named in [begin, end) as a use by item `from`
  // (an index into FileFacts::items; negative: record nothing).
  void CollectTypes(size_t begin, size_t end, int32_t from);
  // Records types of `name: Type` fields or params in a group's contents.
  void CollectFieldTypes(size_t begin, size_t end, int32_t from, bool named);
  void AddTypeUse(int32_t from, std::string type, uint32_t line);
  bool IsGenericName(std::string_view name) const;
  // Normalised text of tokens [begin, end): single spaces where rustfmt
  // would put them, none elsewhere.
  std::string Render(size_t begin, size_t end) const;
  // Tokens [begin, end) concatenated without any whitespace.
  std::string Concat(size_t begin, size_t end) const;
  // Path text of [begin, end) without generic arguments: `a::b::<T>::c` ->
  // `a::b::c`. Qualified prefixes (`<T as Tr>`) are rendered.
  std::string PathText(size_t begin, size_t end) const;

  // ---- bodies (body.cc)
  void ScanExpr(size_t begin, size_t end);
  void ScanMatchArms(size_t begin, size_t end);
  size_t FindArmEnd(size_t i, size_t end) const;
  // Scans the expressions inside a type: array lengths.
  void ScanTypeExprs(size_t begin, size_t end);
  void ScanGroup(size_t open);  // recurse into a delimited group
  void ScanMacroBody(size_t open, bool items, Scope scope);
  size_t ScanPathExpr(size_t i, size_t end);
  size_t ScanMethod(size_t i, size_t end);
  size_t SkipPattern(size_t i, size_t end, Tok stop1, Tok stop2,
                     Tok stop3) const;
  size_t SkipTypeUntilEq(size_t i, size_t end) const;
  bool StartsItem(size_t i, size_t end) const;
  size_t FindBlockStart(size_t i, size_t end) const;
  void AddCall(size_t callee_tok, bool method, size_t path_begin,
               size_t path_end, bool on_self = false);
  void AddMacroCall(size_t name_tok);

  // Nesting path helpers.
  size_t PushPath(std::string_view seg) {
    size_t old = path_.size();
    if (!path_.empty()) path_ += "::";
    path_ += seg;
    return old;
  }
  void PopPath(size_t old) { path_.resize(old); }

  std::string_view src_;
  const std::vector<Token>& toks_;
  const std::vector<uint32_t>& match_;
  const ExtractOptions& opt_;
  FileFacts& out_;

  std::string path_;    // current nesting path
  std::string caller_;  // innermost enclosing fn's path, "" outside fns
  int32_t caller_item_ = -1;  // its index in FileFacts::items
  int32_t cur_item_ = -1;     // innermost enclosing mod/trait/fn item
  int32_t cur_impl_ = -1;     // impl block whose items are being parsed
  std::vector<std::string_view> generic_names_;  // type params in scope
  uint32_t depth_ = 0;        // recursion depth over groups
  uint32_t macro_depth_ = 0;  // > 0 inside macro token trees
  bool in_test_ = false;      // inside #[cfg(test)] or a test fn
  bool nesting_reported_ = false;
  // Types nested deeper than max_nesting: where, reported by ParseItems.
  mutable uint32_t type_depth_ = 0;
  mutable size_t deep_type_at_ = SIZE_MAX;
  std::string owner_;  // item owning macro calls outside fn bodies
  // Each item's and impl's first token (an item's name, an impl's `impl`;
  // SIZE_MAX for a derive), for their text hashes (HashTexts).
  std::vector<size_t> item_first_, impl_first_;
  size_t recover_floor_ = 0;  // first token of the item being parsed
  size_t type_use_mark_ = 0;  // start of the current item's type uses
};

}  // namespace aim::rust

#endif  // AIM_ENGINE_RUST_PARSER_H_

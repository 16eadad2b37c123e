// Items: fn, struct, enum, union, trait, impl, type, const, static, mod,
// use, extern, macro_rules, and macro invocations in item position.
#include <utility>

#include "engine/rust/parser.h"

namespace aim::rust {
namespace {

bool IsItemKeyword(Tok k) {
  switch (k) {
    case Tok::kFn: case Tok::kStruct: case Tok::kEnum: case Tok::kTrait:
    case Tok::kImpl: case Tok::kMod: case Tok::kUse: case Tok::kPub:
    case Tok::kType: case Tok::kStatic: case Tok::kConst: case Tok::kPound:
    case Tok::kExtern: case Tok::kUnsafe: case Tok::kAsync:
      return true;
    default:
      return false;
  }
}

bool IsPathSegment(Tok k) {
  return k == Tok::kIdent || k == Tok::kSelfType || k == Tok::kSelfValue ||
         k == Tok::kSuper || k == Tok::kCrate;
}

}  // namespace

bool Parser::EnterNesting(size_t i) {
  if (depth_ >= opt_.max_nesting) {
    if (!nesting_reported_) {
      nesting_reported_ = true;
      Error(i, "nesting too deep (more than " +
                   std::to_string(opt_.max_nesting) + " levels); skipped");
    }
    return false;
  }
  ++depth_;
  return true;
}

void Parser::ParseItems(size_t i, size_t end, Scope scope) {
  if (!EnterNesting(i)) return;
  while (i < end) {
    size_t next = ParseItem(i, end, scope);
    if (deep_type_at_ != SIZE_MAX && !nesting_reported_) {
      nesting_reported_ = true;
      Error(deep_type_at_, "type nested too deeply (more than " +
                               std::to_string(opt_.max_nesting) + " levels)");
    }
    i = next > i ? next : i + 1;
  }
  --depth_;
}

size_t Parser::Recover(size_t i, size_t end) {
  if (i > recover_floor_ && IsItemKeyword(K(i))) return i;
  size_t j = T(i).IsOpen() ? After(i) : i + 1;
  while (j < end) {
    Tok k = K(j);
    if (k == Tok::kSemi) return j + 1;
    if (k == Tok::kLBrace) return After(j);
    if (IsItemKeyword(k)) return j;
    j = T(j).IsOpen() ? After(j) : j + 1;
  }
  return j;
}

size_t Parser::FindTop(size_t i, size_t end, Tok stop) const {
  while (i < end && K(i) != stop) i = T(i).IsOpen() ? After(i) : i + 1;
  return i;
}

size_t Parser::ParseAttrs(size_t i, size_t end, Attrs& attrs) {
  while (i + 1 < end && K(i) == Tok::kPound) {
    if (K(i + 1) == Tok::kNot && i + 2 < end && K(i + 2) == Tok::kLBracket) {
      i = After(i + 2);  // inner attribute
      continue;
    }
    if (K(i + 1) != Tok::kLBracket) break;
    ParseAttr(i + 2, Close(i + 1), attrs);
    i = After(i + 1);
  }
  return i;
}

void Parser::ParseAttr(size_t begin, size_t end, Attrs& attrs) {
  if (K(begin) == Tok::kUnsafe && begin + 1 < end &&
      K(begin + 1) == Tok::kLParen) {  // #[unsafe(no_mangle)]
    ParseAttr(begin + 2, Close(begin + 1), attrs);
    return;
  }
  size_t j = begin;
  size_t last = begin;
  while (j < end && (IsPathSegment(K(j)) || K(j) == Tok::kPathSep)) {
    if (K(j) != Tok::kPathSep) last = j;
    ++j;
  }
  if (j == begin) return;
  std::string_view name = Text(last);
  bool args = j < end && K(j) == Tok::kLParen;
  if (name == "test" && last + 1 == j) {
    attrs.test = true;
  } else if (name == "cfg" && args && last == begin) {
    size_t close = Close(j);
    std::string pred = Render(j + 1, close);
    bool negated = false;
    bool mentions_test = false;
    for (size_t k = j + 1; k < close; ++k) {
      if (K(k) == Tok::kIdent && Text(k) == "not") negated = true;
      if (K(k) == Tok::kIdent && Text(k) == "test") mentions_test = true;
    }
    if (mentions_test && !negated) attrs.cfg_test = true;
    if (!attrs.cfg.empty()) attrs.cfg += " && ";
    attrs.cfg += pred;
  } else if (name == "derive" && args && last == begin) {
    size_t close = Close(j);
    size_t k = j + 1;
    while (k < close) {
      size_t part_end = FindTop(k, close, Tok::kComma);
      size_t seg = part_end;
      for (size_t m = k; m < part_end; ++m)
        if (K(m) == Tok::kIdent) seg = m;
      if (seg < part_end)
        attrs.derives.emplace_back(static_cast<uint32_t>(k),
                                   static_cast<uint32_t>(seg));
      k = part_end + 1;
    }
  } else if (name == "cfg_attr" && args && last == begin) {
    // cfg_attr(predicate, attr, attr...): the attributes apply (maybe).
    size_t close = Close(j);
    size_t k = FindTop(j + 1, close, Tok::kComma) + 1;
    while (k < close) {
      size_t part_end = FindTop(k, close, Tok::kComma);
      if (part_end > k && EnterNesting(k)) {
        ParseAttr(k, part_end, attrs);
        --depth_;
      }
      k = part_end + 1;
    }
  }
}

size_t Parser::ParseVis(size_t i, size_t end, std::string& vis) {
  if (i < end && K(i) == Tok::kPub) {
    if (i + 1 < end && K(i + 1) == Tok::kLParen) {
      size_t in = i + 2;
      Tok k = K(in);
      if (k == Tok::kCrate || k == Tok::kSuper || k == Tok::kSelfValue ||
          k == Tok::kIn) {
        vis = Render(i, After(i + 1));
        return After(i + 1);
      }
    }
    vis = "pub";
    return i + 1;
  }
  if (i + 1 < end && K(i) == Tok::kCrate && K(i + 1) != Tok::kPathSep) {
    vis = "crate";
    return i + 1;
  }
  return i;
}

size_t Parser::AddItem(ItemKind kind, size_t name_tok, const Attrs& attrs,
                       std::string vis) {
  Item it;
  it.kind = kind;
  it.name = std::string(Name(name_tok));
  it.path = path_.empty() ? it.name : path_ + "::" + it.name;
  it.line = T(name_tok).line;
  it.end_line = it.line;
  it.vis = std::move(vis);
  it.cfg = attrs.cfg;
  it.test = attrs.test || attrs.cfg_test || in_test_;
  it.in_macro = macro_depth_ > 0;
  it.parent = cur_item_;
  it.impl = cur_impl_;
  out_.items.push_back(std::move(it));
  item_first_.push_back(name_tok);
  return out_.items.size() - 1;
}

void Parser::AddDerives(const Attrs& attrs, std::string_view type_name) {
  for (auto [first, tok] : attrs.derives) {
    Impl im;
    im.trait_name = std::string(Name(tok));
    im.trait_path = PathText(first, tok + 1);
    im.self_type = std::string(type_name);
    im.type_path = im.self_type;
    im.scope = path_;
    im.line = T(tok).line;
    im.end_line = im.line;
    im.derive = true;
    im.in_macro = macro_depth_ > 0;
    im.parent = cur_item_;
    out_.impls.push_back(std::move(im));
    impl_first_.push_back(SIZE_MAX);  // (no text of its own)
  }
}

size_t Parser::ParseItem(size_t i, size_t end, Scope scope) {
  recover_floor_ = i;  // recovery may stop at a later item keyword only
  Attrs attrs;
  i = ParseAttrs(i, end, attrs);
  if (i >= end) return i;
  size_t sig_start = i;
  std::string vis;
  i = ParseVis(i, end, vis);
  // Qualifiers before the keyword.
  size_t q = i;
  while (q + 1 < end) {
    Tok k = K(q);
    Tok n = K(q + 1);
    bool fn_like = n == Tok::kFn || n == Tok::kUnsafe || n == Tok::kAsync ||
                   n == Tok::kExtern || n == Tok::kConst;
    if (k == Tok::kConst && fn_like && n != Tok::kConst) {
      ++q;
    } else if ((k == Tok::kAsync || k == Tok::kUnsafe) &&
               (fn_like || n == Tok::kImpl || n == Tok::kTrait ||
                (k == Tok::kUnsafe && n == Tok::kStatic) ||
                (n == Tok::kIdent && Text(q + 1) == "auto"))) {
      ++q;
    } else if (k == Tok::kExtern && n == Tok::kFn) {
      ++q;
    } else if (k == Tok::kExtern && n == Tok::kLiteral && q + 2 < end &&
               K(q + 2) == Tok::kFn) {
      q += 2;
    } else if (k == Tok::kIdent && (Text(q) == "default" || Text(q) == "safe") &&
               (fn_like || n == Tok::kType || n == Tok::kImpl ||
                n == Tok::kStatic || n == Tok::kPub)) {
      ++q;
    } else {
      break;
    }
  }
  switch (K(q)) {
    case Tok::kFn:
      return ParseFn(q, end, sig_start, scope, attrs, std::move(vis));
    case Tok::kStruct:
      return ParseAdt(q, end, sig_start, ItemKind::kStruct, attrs,
                      std::move(vis));
    case Tok::kEnum:
      return ParseAdt(q, end, sig_start, ItemKind::kEnum, attrs,
                      std::move(vis));
    case Tok::kTrait:
      return ParseTrait(q, end, sig_start, attrs, std::move(vis));
    case Tok::kImpl:
      return ParseImpl(q, end, sig_start, attrs);
    case Tok::kType:
      return ParseTypeAlias(q, end, sig_start, attrs, std::move(vis));
    case Tok::kConst:
      return ParseConstStatic(q, end, sig_start, ItemKind::kConst, attrs,
                              std::move(vis));
    case Tok::kStatic:
      return ParseConstStatic(q, end, sig_start, ItemKind::kStatic, attrs,
                              std::move(vis));
    case Tok::kMod:
      return ParseMod(q, end, sig_start, attrs, std::move(vis));
    case Tok::kUse:
      return ParseUse(q, end, vis);
    case Tok::kExtern:
      return ParseExtern(q, end, scope);
    case Tok::kSemi:
      return q + 1;
    case Tok::kIdent: {
      std::string_view w = Text(q);
      if (w == "union" && q + 1 < end && K(q + 1) == Tok::kIdent)
        return ParseAdt(q, end, sig_start, ItemKind::kUnion, attrs,
                        std::move(vis));
      if (w == "auto" && q + 1 < end && K(q + 1) == Tok::kTrait)
        return ParseTrait(q + 1, end, sig_start, attrs, std::move(vis));
      if (w == "macro_rules" && q + 2 < end && K(q + 1) == Tok::kNot &&
          K(q + 2) == Tok::kIdent)
        return ParseMacroRules(q, end, attrs);
      if (w == "macro" && q + 1 < end && K(q + 1) == Tok::kIdent) {
        // Declarative macros 2.0: `macro m(..) {..}` or `macro m {..}`.
        size_t j = q + 2;
        while (j < end && T(j).IsOpen()) j = After(j);
        return j;
      }
      return ParseItemMacro(q, end, scope);
    }
    case Tok::kPathSep:
    case Tok::kSelfValue:
    case Tok::kSuper:
    case Tok::kCrate:
      return ParseItemMacro(q, end, scope);
    default:
      Error(q, "expected an item");
      return Recover(q, end);
  }
}

size_t Parser::ParseGenerics(size_t i, size_t end, int32_t from) {
  size_t close = SkipAngle(i, end);
  size_t stop = close > i && K(close - 1) == Tok::kGt ? close - 1 : close;
  int depth = 0;
  bool expect_param = true;
  for (size_t j = i + 1; j < stop; ++j) {
    Tok k = K(j);
    if (T(j).IsOpen()) {
      j = Close(j);
      expect_param = false;
      continue;
    }
    if (k == Tok::kLt) ++depth;
    if (k == Tok::kGt) --depth;
    if (depth == 0 && k == Tok::kComma) {
      expect_param = true;
      continue;
    }
    if (k == Tok::kPound && j + 1 < stop && K(j + 1) == Tok::kLBracket) {
      j = Close(j + 1);
      continue;
    }
    if (expect_param && depth == 0) {
      if (k == Tok::kConst && j + 1 < stop) ++j;
      if (K(j) == Tok::kIdent) generic_names_.push_back(Name(j));
      expect_param = false;
    }
  }
  CollectTypes(i + 1, stop, from);
  return close;
}

size_t Parser::SkipWhere(size_t i, size_t end, int32_t from) {
  size_t j = i + 1;
  int depth = 0;
  while (j < end) {
    Tok k = K(j);
    if (depth == 0 &&
        (k == Tok::kLBrace || k == Tok::kSemi || k == Tok::kEq))
      break;
    if (k == Tok::kLt) ++depth;
    if (k == Tok::kGt && depth > 0) --depth;
    j = T(j).IsOpen() ? After(j) : j + 1;
  }
  CollectTypes(i + 1, j, from);
  return j;
}

size_t Parser::FindBodyStart(size_t i, size_t end) const {
  // The `{` or `;` ending a signature whose return type could not be
  // skipped exactly: the first one at the top level that does not open a
  // const-generic argument.
  while (i < end) {
    Tok k = K(i);
    if (k == Tok::kSemi) return i;
    if (k == Tok::kLBrace) {
      Tok p = K(i - 1);
      if (p != Tok::kLt && p != Tok::kComma && p != Tok::kEq) return i;
    }
    i = T(i).IsOpen() ? After(i) : i + 1;
  }
  return i;
}

size_t Parser::ParseFn(size_t i, size_t end, size_t sig_start, Scope scope,
                       const Attrs& attrs, std::string vis) {
  size_t name = i + 1;
  if (name >= end || K(name) != Tok::kIdent) {
    Error(name < end ? name : i, "expected a fn name");
    return Recover(i + 1, end);
  }
  ItemKind kind = scope == Scope::kImpl    ? ItemKind::kMethod
                  : scope == Scope::kTrait ? ItemKind::kTraitMethod
                                           : ItemKind::kFn;
  size_t idx = AddItem(kind, name, attrs, std::move(vis));
  size_t old_path = PushPath(Name(name));
  const std::string path = path_;
  const int32_t self = static_cast<int32_t>(idx);
  size_t generics_mark = generic_names_.size();
  size_t saved_mark = type_use_mark_;
  type_use_mark_ = out_.type_uses.size();

  size_t j = name + 1;
  if (j < end && K(j) == Tok::kLt) j = ParseGenerics(j, end, self);
  if (j < end && K(j) == Tok::kLParen) {
    CollectFieldTypes(j + 1, Close(j), self, /*named=*/true);
    j = After(j);
    if (j < end && K(j) == Tok::kArrow) {
      size_t t = j + 1;
      j = SkipType(t, end, true);
      CollectTypes(t, j, self);
    }
    if (j < end && K(j) == Tok::kWhere) j = SkipWhere(j, end, self);
    if (j < end && K(j) != Tok::kLBrace && K(j) != Tok::kSemi)
      j = FindBodyStart(j, end);
  } else {
    Error(j < end ? j : i, "expected `(` after fn name");
    j = FindBodyStart(j, end);
  }
  out_.items[idx].sig = Render(sig_start, j);
  {
    // Angle brackets of the signature must balance (`-> Vec<Vec<u8> {`).
    int angle = 0;
    for (size_t k = name + 1; k < j; k = T(k).IsOpen() ? After(k) : k + 1) {
      if (K(k) == Tok::kLt) ++angle;
      if (K(k) == Tok::kGt) --angle;
    }
    if (angle > 0) Error(name, "unclosed `<` in fn signature");
  }
  if (j < end && K(j) == Tok::kLBrace) {
    std::string saved_caller = std::move(caller_);
    int32_t saved_caller_item = caller_item_, saved_item = cur_item_,
            saved_impl = cur_impl_;
    caller_ = path;
    caller_item_ = cur_item_ = self;
    cur_impl_ = -1;
    bool saved_test = in_test_;
    in_test_ = in_test_ || attrs.test || attrs.cfg_test;
    ScanGroup(j);
    in_test_ = saved_test;
    caller_ = std::move(saved_caller);
    caller_item_ = saved_caller_item;
    cur_item_ = saved_item;
    cur_impl_ = saved_impl;
    out_.items[idx].end_line = T(Close(j)).line;
    j = After(j);
  } else if (j < end && K(j) == Tok::kSemi) {
    out_.items[idx].end_line = T(j).line;
    ++j;
  } else {
    Error(j < end ? j : i, "expected `{` or `;` after fn signature");
  }
  PopPath(old_path);
  generic_names_.resize(generics_mark);
  type_use_mark_ = saved_mark;
  return j;
}

size_t Parser::ParseAdt(size_t i, size_t end, size_t sig_start, ItemKind kind,
                        const Attrs& attrs, std::string vis) {
  size_t name = i + 1;
  if (name >= end || K(name) != Tok::kIdent) {
    Error(name < end ? name : i, "expected a type name");
    return Recover(i + 1, end);
  }
  size_t idx = AddItem(kind, name, attrs, std::move(vis));
  const int32_t from = static_cast<int32_t>(idx);
  size_t generics_mark = generic_names_.size();
  size_t saved_mark = type_use_mark_;
  type_use_mark_ = out_.type_uses.size();
  size_t j = name + 1;
  if (j < end && K(j) == Tok::kLt) j = ParseGenerics(j, end, from);
  if (j < end && K(j) == Tok::kWhere) j = SkipWhere(j, end, from);
  size_t sig_end = j;
  if (j < end && K(j) == Tok::kLBrace) {
    size_t close = Close(j);
    if (kind == ItemKind::kEnum) {
      // Variants: attrs Name ( (..) | {..} )? (= expr)?
      size_t k = j + 1;
      while (k < close) {
        size_t part_end = FindTop(k, close, Tok::kComma);
        for (size_t m = k; m < part_end; ++m) {
          if (K(m) == Tok::kLParen) {
            CollectFieldTypes(m + 1, Close(m), from, false);
            break;
          }
          if (K(m) == Tok::kLBrace) {
            CollectFieldTypes(m + 1, Close(m), from, true);
            break;
          }
          if (K(m) == Tok::kEq) break;
          if (K(m) == Tok::kLBracket) m = Close(m);
        }
        k = part_end + 1;
      }
    } else {
      CollectFieldTypes(j + 1, close, from, true);
    }
    out_.items[idx].end_line = T(close).line;
    j = close + 1;
  } else if (j < end && K(j) == Tok::kLParen && kind == ItemKind::kStruct) {
    CollectFieldTypes(j + 1, Close(j), from, false);
    j = After(j);
    if (j < end && K(j) == Tok::kWhere) j = SkipWhere(j, end, from);
    sig_end = j;
    if (j < end && K(j) == Tok::kSemi) {
      out_.items[idx].end_line = T(j).line;
      ++j;
    } else {
      Error(j < end ? j : i, "expected `;` after tuple struct");
    }
  } else if (j < end && K(j) == Tok::kSemi) {
    ++j;
  } else {
    Error(j < end ? j : i, "expected `{`, `(` or `;` after type name");
    j = Recover(j < end ? j : i, end);
  }
  out_.items[idx].sig = Render(sig_start, sig_end);
  AddDerives(attrs, out_.items[idx].name);
  generic_names_.resize(generics_mark);
  type_use_mark_ = saved_mark;
  return j;
}

size_t Parser::ParseTrait(size_t i, size_t end, size_t sig_start,
                          const Attrs& attrs, std::string vis) {
  size_t name = i + 1;
  if (name >= end || K(name) != Tok::kIdent) {
    Error(name < end ? name : i, "expected a trait name");
    return Recover(i + 1, end);
  }
  size_t idx = AddItem(ItemKind::kTrait, name, attrs, std::move(vis));
  const int32_t from = static_cast<int32_t>(idx);
  size_t generics_mark = generic_names_.size();
  size_t saved_mark = type_use_mark_;
  type_use_mark_ = out_.type_uses.size();
  size_t j = name + 1;
  if (j < end && K(j) == Tok::kLt) j = ParseGenerics(j, end, from);
  if (j < end && (K(j) == Tok::kColon || K(j) == Tok::kEq)) {
    size_t t = j + 1;
    j = SkipBounds(t, end);
    CollectTypes(t, j, from);
  }
  if (j < end && K(j) == Tok::kWhere) j = SkipWhere(j, end, from);
  out_.items[idx].sig = Render(sig_start, j);
  if (j < end && K(j) == Tok::kLBrace) {
    size_t old_path = PushPath(Name(name));
    bool saved_test = in_test_;
    int32_t saved_item = cur_item_, saved_impl = cur_impl_;
    cur_item_ = from;
    cur_impl_ = -1;
    in_test_ = in_test_ || attrs.cfg_test;
    ParseItems(j + 1, Close(j), Scope::kTrait);
    in_test_ = saved_test;
    cur_item_ = saved_item;
    cur_impl_ = saved_impl;
    PopPath(old_path);
    out_.items[idx].end_line = T(Close(j)).line;
    j = After(j);
  } else if (j < end && K(j) == Tok::kSemi) {
    ++j;  // trait alias
  } else {
    Error(j < end ? j : i, "expected `{` after trait header");
    j = Recover(j < end ? j : i, end);
  }
  generic_names_.resize(generics_mark);
  type_use_mark_ = saved_mark;
  return j;
}

size_t Parser::ParseImpl(size_t i, size_t end, size_t sig_start,
                         const Attrs& attrs) {
  size_t generics_mark = generic_names_.size();
  size_t j = i + 1;
  if (j < end && K(j) == Tok::kLt) j = ParseGenerics(j, end, -1);
  if (j < end && K(j) == Tok::kConst) ++j;  // impl const Trait for X
  bool negative = false;
  size_t first = j;
  if (j < end && K(j) == Tok::kNot) {
    // `impl !Trait for X` is negative; `impl ! {}` (never type) is not.
    size_t t = SkipType(j + 1, end, true);
    if (t < end && K(t) == Tok::kFor) {
      negative = true;
      first = ++j;
    } else {
      j = SkipPattern(j, end, Tok::kLBrace, Tok::kWhere, Tok::kSemi);
    }
  }
  if (j == first) j = SkipType(j, end, true);
  size_t trait_b = 0, trait_e = 0, self_b = first, self_e = j;
  if (j < end && K(j) == Tok::kFor) {
    trait_b = first;
    trait_e = j;
    self_b = j + 1;
    self_e = SkipType(self_b, end, true);
    j = self_e;
  }
  if (self_e == self_b) {
    Error(self_b < end ? self_b : i, "expected a type in impl header");
    generic_names_.resize(generics_mark);
    return Recover(i, end);
  }
  if (j < end && K(j) == Tok::kWhere) j = SkipWhere(j, end, -1);
  if (j >= end || K(j) != Tok::kLBrace) {
    Error(j < end ? j : i, "expected `{` after impl header");
    generic_names_.resize(generics_mark);
    return Recover(j < end ? j : i, end);
  }
  Impl im;
  if (trait_e > trait_b) {
    im.trait_path = PathText(trait_b, trait_e);
    size_t last = trait_b;
    for (size_t k = trait_b; k < trait_e; ++k) {
      if (K(k) == Tok::kLt || K(k) == Tok::kLParen) break;
      if (K(k) == Tok::kIdent) last = k;
    }
    im.trait_name = std::string(Name(last));
  }
  bool plain_path = K(self_b) != Tok::kLt && K(self_b) != Tok::kDyn &&
                    SkipPath(self_b, end) == self_e;
  if (plain_path) {
    size_t last = self_b;
    for (size_t k = self_b; k < self_e; ++k) {
      if (K(k) == Tok::kLt || K(k) == Tok::kLParen) break;
      if (IsPathSegment(K(k))) last = k;
    }
    im.self_type = std::string(Name(last));
    im.type_path = PathText(self_b, self_e);
    im.blanket = self_e == self_b + 1 && IsGenericName(im.self_type);
  } else {
    im.self_type = Concat(self_b, self_e);
    // A reference to a path (`&'a mut Foo<T>`): its referent, so that the
    // impl can be linked to the type.
    size_t k = self_b;
    while (k < self_e && (K(k) == Tok::kAnd || K(k) == Tok::kAndAnd)) {
      ++k;
      if (k < self_e && K(k) == Tok::kLifetime) ++k;
      if (k < self_e && K(k) == Tok::kMut) ++k;
    }
    if (k > self_b && k < self_e && IsPathSegment(K(k)) &&
        SkipPath(k, end) == self_e) {
      im.type_path = PathText(k, self_e);
      im.blanket = self_e == k + 1 && IsGenericName(Name(k));
    }
  }
  im.scope = path_;
  im.sig = Render(sig_start, j);
  im.line = T(i).line;
  im.end_line = T(Close(j)).line;
  im.negative = negative;
  im.in_macro = macro_depth_ > 0;
  im.parent = cur_item_;
  std::string segment = im.self_type;
  out_.impls.push_back(std::move(im));
  impl_first_.push_back(i);

  size_t old_path = PushPath(segment);
  bool saved_test = in_test_;
  int32_t saved_impl = cur_impl_;
  cur_impl_ = static_cast<int32_t>(out_.impls.size() - 1);
  in_test_ = in_test_ || attrs.cfg_test;
  ParseItems(j + 1, Close(j), Scope::kImpl);
  in_test_ = saved_test;
  cur_impl_ = saved_impl;
  PopPath(old_path);
  generic_names_.resize(generics_mark);
  return After(j);
}

size_t Parser::ParseTypeAlias(size_t i, size_t end, size_t sig_start,
                              const Attrs& attrs, std::string vis) {
  size_t name = i + 1;
  if (name >= end || K(name) != Tok::kIdent) {
    Error(name < end ? name : i, "expected a type name");
    return Recover(i + 1, end);
  }
  size_t idx = AddItem(ItemKind::kType, name, attrs, std::move(vis));
  const int32_t from = static_cast<int32_t>(idx);
  size_t generics_mark = generic_names_.size();
  size_t j = name + 1;
  if (j < end && K(j) == Tok::kLt) j = ParseGenerics(j, end, from);
  size_t semi = FindTop(j, end, Tok::kSemi);
  CollectTypes(j, semi, from);
  out_.items[idx].sig = Render(sig_start, semi);
  if (semi < end) out_.items[idx].end_line = T(semi).line;
  else Error(i, "expected `;` after type alias");
  generic_names_.resize(generics_mark);
  return semi + 1;
}

size_t Parser::ParseConstStatic(size_t i, size_t end, size_t sig_start,
                                ItemKind kind, const Attrs& attrs,
                                std::string vis) {
  size_t name = i + 1;
  if (name < end && K(name) == Tok::kMut) ++name;
  if (name >= end || K(name) != Tok::kIdent) {
    Error(name < end ? name : i, "expected a name");
    return Recover(i + 1, end);
  }
  size_t idx = AddItem(kind, name, attrs, std::move(vis));
  const int32_t from = static_cast<int32_t>(idx);
  size_t j = name + 1;
  if (j < end && K(j) == Tok::kLt) {  // generic associated const (unstable)
    j = SkipAngle(j, end);
  }
  if (j < end && K(j) == Tok::kColon) {
    size_t t = j + 1;
    j = SkipType(t, end, true);
    CollectTypes(t, j, from);
  }
  out_.items[idx].sig = Render(sig_start, j);
  size_t semi = FindTop(j, end, Tok::kSemi);
  if (j < end && K(j) == Tok::kEq) {
    // The initializer. Calls are recorded only inside a fn body (for the
    // enclosing fn), as the reference does; nested items always are.
    std::string saved_owner = std::move(owner_);
    owner_ = out_.items[idx].path;
    if (EnterNesting(j)) {
      ScanExpr(j + 1, semi);
      --depth_;
    }
    owner_ = std::move(saved_owner);
  }
  if (semi < end) out_.items[idx].end_line = T(semi).line;
  else Error(i, "expected `;`");
  return semi + 1;
}

size_t Parser::ParseMod(size_t i, size_t end, size_t sig_start,
                        const Attrs& attrs, std::string vis) {
  size_t name = i + 1;
  if (name >= end || K(name) != Tok::kIdent) {
    Error(name < end ? name : i, "expected a module name");
    return Recover(i + 1, end);
  }
  size_t idx = AddItem(ItemKind::kMod, name, attrs, std::move(vis));
  out_.items[idx].sig = Render(sig_start, name + 1);
  size_t j = name + 1;
  if (j < end && K(j) == Tok::kSemi) return j + 1;
  if (j < end && K(j) == Tok::kLBrace) {
    size_t old_path = PushPath(Name(name));
    bool saved_test = in_test_;
    int32_t saved_item = cur_item_, saved_impl = cur_impl_;
    cur_item_ = static_cast<int32_t>(idx);
    cur_impl_ = -1;
    in_test_ = in_test_ || attrs.cfg_test;
    ParseItems(j + 1, Close(j), Scope::kModule);
    in_test_ = saved_test;
    cur_item_ = saved_item;
    cur_impl_ = saved_impl;
    PopPath(old_path);
    out_.items[idx].end_line = T(Close(j)).line;
    return After(j);
  }
  Error(j < end ? j : i, "expected `;` or `{` after module name");
  return Recover(j < end ? j : i, end);
}

size_t Parser::ParseUse(size_t i, size_t end, const std::string& vis) {
  size_t semi = FindTop(i + 1, end, Tok::kSemi);
  size_t first = out_.imports.size();
  ParseUseTree(i + 1, semi, "");
  for (size_t k = first; k < out_.imports.size(); ++k) out_.imports[k].vis = vis;
  if (semi >= end) Error(i, "expected `;` after use");
  return semi + 1;
}

void Parser::ParseUseTree(size_t i, size_t end, std::string prefix) {
  if (!EnterNesting(i)) return;
  if (i < end && K(i) == Tok::kPathSep) ++i;
  while (i < end) {
    Tok k = K(i);
    if (k == Tok::kLBrace) {
      size_t close = Close(i);
      size_t part = i + 1;
      while (part < close) {
        size_t part_end = FindTop(part, close, Tok::kComma);
        if (part_end > part) ParseUseTree(part, part_end, prefix);
        part = part_end + 1;
      }
      break;
    }
    Import im;
    im.scope = path_;
    im.scope_item = cur_item_;
    im.in_macro = macro_depth_ > 0;
    if (k == Tok::kStar) {
      im.path = prefix.empty() ? "*" : prefix + "::*";
      im.glob = true;
      im.line = T(i).line;
      out_.imports.push_back(std::move(im));
      break;
    }
    if (!IsPathSegment(k)) {
      Error(i, "expected a path in use declaration");
      break;
    }
    std::string_view seg = Name(i);
    if (i + 1 < end && K(i + 1) == Tok::kPathSep) {
      if (!prefix.empty()) prefix += "::";
      prefix += seg;
      i += 2;
      continue;
    }
    if (seg == "self" && !prefix.empty()) {
      im.path = prefix;
    } else {
      im.path = prefix.empty() ? std::string(seg) : prefix + "::" + std::string(seg);
    }
    im.line = T(i).line;
    if (i + 2 < end && K(i + 1) == Tok::kAs) im.alias = std::string(Name(i + 2));
    out_.imports.push_back(std::move(im));
    break;
  }
  --depth_;
}

size_t Parser::ParseExtern(size_t i, size_t end, Scope scope) {
  size_t j = i + 1;
  if (j < end && K(j) == Tok::kCrate) {
    size_t semi = FindTop(j, end, Tok::kSemi);
    if (j + 1 < semi && IsPathSegment(K(j + 1))) {
      Import im;
      im.path = std::string(Name(j + 1));
      im.scope = path_;
      im.scope_item = cur_item_;
      im.line = T(j + 1).line;
      im.in_macro = macro_depth_ > 0;
      if (j + 3 < semi && K(j + 2) == Tok::kAs) im.alias = std::string(Name(j + 3));
      out_.imports.push_back(std::move(im));
    }
    return semi + 1;
  }
  if (j < end && K(j) == Tok::kLiteral) ++j;
  if (j < end && K(j) == Tok::kLBrace) {
    ParseItems(j + 1, Close(j), Scope::kExtern);
    return After(j);
  }
  (void)scope;
  Error(j < end ? j : i, "expected `crate` or `{` after extern");
  return Recover(i, end);
}

size_t Parser::ParseMacroRules(size_t i, size_t end, const Attrs& attrs) {
  size_t name = i + 2;
  size_t idx = AddItem(ItemKind::kMacroRules, name, attrs, "");
  out_.items[idx].sig = "macro_rules! " + out_.items[idx].name;
  size_t j = name + 1;
  if (j < end && T(j).IsOpen()) {
    out_.items[idx].end_line = T(Close(j)).line;
    j = After(j);
  } else {
    Error(j < end ? j : i, "expected a macro body");
    return Recover(i, end);
  }
  if (j < end && K(j) == Tok::kSemi) ++j;
  return j;
}

size_t Parser::ParseItemMacro(size_t i, size_t end, Scope scope) {
  size_t j = i;
  if (K(j) == Tok::kPathSep) ++j;
  size_t last = j;
  while (j < end && IsPathSegment(K(j))) {
    last = j;
    ++j;
    if (j + 1 < end && K(j) == Tok::kPathSep && IsPathSegment(K(j + 1))) {
      ++j;
      continue;
    }
    break;
  }
  if (j + 1 >= end || K(j) != Tok::kNot || !IsPathSegment(K(last))) {
    Error(i, "expected an item");
    return Recover(i, end);
  }
  ++j;
  if (j < end && K(j) == Tok::kIdent) ++j;  // `name! ident { .. }`
  if (j >= end || !T(j).IsOpen()) {
    Error(j < end ? j : i, "expected a macro invocation body");
    return Recover(i, end);
  }
  AddMacroCall(last);
  ScanMacroBody(j, /*items=*/true, scope);
  j = After(j);
  if (j < end && K(j) == Tok::kSemi) ++j;
  return j;
}

}  // namespace aim::rust

// Types: skipping them, collecting the paths they name, rendering text.
#include <algorithm>

#include "engine/rust/parser.h"

namespace aim::rust {
namespace {

bool IsPathStart(Tok k) {
  return k == Tok::kIdent || k == Tok::kSelfType || k == Tok::kSelfValue ||
         k == Tok::kSuper || k == Tok::kCrate || k == Tok::kPathSep;
}

bool IsPrimitive(std::string_view n) {
  static constexpr std::string_view kPrims[] = {
      "bool", "char", "str",  "u8",   "u16",  "u32",   "u64", "u128",
      "usize", "i8",  "i16",  "i32",  "i64",  "i128",  "isize", "f32",
      "f64"};
  for (auto p : kPrims)
    if (n == p) return true;
  return false;
}

}  // namespace

size_t Parser::SkipPath(size_t i, size_t end) const {
  // [::] seg (::? <..> | (..) -> T)? (:: seg ...)*   or  <T as Tr>::seg...
  if (i < end && K(i) == Tok::kLt) {
    i = SkipAngle(i, end);
    if (i < end && K(i) == Tok::kPathSep) ++i;
  } else if (i < end && K(i) == Tok::kPathSep) {
    ++i;
  }
  while (i < end) {
    Tok k = K(i);
    if (!(k == Tok::kIdent || k == Tok::kSelfType || k == Tok::kSelfValue ||
          k == Tok::kSuper || k == Tok::kCrate))
      break;
    ++i;
    if (i < end && K(i) == Tok::kPathSep && i + 1 < end &&
        K(i + 1) == Tok::kLt) {
      i = SkipAngle(i + 1, end);
    } else if (i < end && K(i) == Tok::kLt) {
      i = SkipAngle(i, end);
    } else if (i < end && K(i) == Tok::kLParen) {
      // Fn(A, B) -> C sugar.
      i = After(i);
      if (i < end && K(i) == Tok::kArrow) i = SkipType(i + 1, end, false);
      break;
    }
    if (i < end && K(i) == Tok::kPathSep) {
      ++i;
      continue;
    }
    break;
  }
  return i;
}

size_t Parser::SkipBounds(size_t i, size_t end) const {
  // Bound (+ Bound)*; a bound is a lifetime, `?Trait`, `~const Trait`,
  // `for<'a> Trait`, `(Trait)`, or a path.
  while (i < end) {
    if (K(i) == Tok::kLifetime) {
      ++i;
    } else {
      if (K(i) == Tok::kQuestion || K(i) == Tok::kTilde) ++i;
      if (i < end && K(i) == Tok::kConst) ++i;
      if (i < end && K(i) == Tok::kFor && i + 1 < end && K(i + 1) == Tok::kLt)
        i = SkipAngle(i + 1, end);
      if (i < end && K(i) == Tok::kLParen) {
        i = After(i);
      } else {
        size_t j = SkipPath(i, end);
        if (j == i) return i;
        i = j;
      }
    }
    if (i < end && K(i) == Tok::kPlus) {
      ++i;
      continue;
    }
    break;
  }
  return i;
}

size_t Parser::SkipType(size_t i, size_t end, bool allow_plus) const {
  // References and pointers in a loop; other nesting (`Fn() -> T`) recurses
  // and is bounded by max_nesting.
  while (i < end) {
    if (K(i) == Tok::kAnd || K(i) == Tok::kAndAnd) {
      ++i;
      if (i < end && K(i) == Tok::kLifetime) ++i;
      if (i < end && K(i) == Tok::kMut) ++i;
      allow_plus = false;
    } else if (K(i) == Tok::kStar) {
      ++i;
      if (i < end && (K(i) == Tok::kConst || K(i) == Tok::kMut)) ++i;
      allow_plus = false;
    } else {
      break;
    }
  }
  if (i >= end) return i;
  if (type_depth_ >= opt_.max_nesting) {
    if (deep_type_at_ == SIZE_MAX) deep_type_at_ = i;
    return i;
  }
  ++type_depth_;
  size_t r = SkipTypeInner(i, end, allow_plus);
  --type_depth_;
  return r;
}

size_t Parser::SkipTypeInner(size_t i, size_t end, bool allow_plus) const {
  switch (K(i)) {
    case Tok::kLParen:
    case Tok::kLBracket:
      return After(i);
    case Tok::kNot:
      return i + 1;
    case Tok::kDyn:
    case Tok::kImpl:
      return SkipBounds(i + 1, end);
    case Tok::kFor:
      if (i + 1 < end && K(i + 1) == Tok::kLt)
        return SkipType(SkipAngle(i + 1, end), end, allow_plus);
      return i + 1;
    case Tok::kUnsafe:
    case Tok::kExtern:
    case Tok::kFn: {
      while (i < end && K(i) != Tok::kFn) ++i;  // unsafe extern "C" fn
      if (i < end) ++i;
      if (i < end && K(i) == Tok::kLParen) i = After(i);
      if (i < end && K(i) == Tok::kArrow) i = SkipType(i + 1, end, false);
      return i;
    }
    case Tok::kIdent:
      if (Text(i) == "_" ) return i + 1;
      [[fallthrough]];
    default: {
      size_t j = SkipPath(i, end);
      if (j == i) return i;
      if (allow_plus && j < end && K(j) == Tok::kPlus)
        j = SkipBounds(j + 1, end);  // bare trait object `Tr + 'a`
      return j;
    }
  }
}

bool Parser::IsGenericName(std::string_view name) const {
  return std::find(generic_names_.begin(), generic_names_.end(), name) !=
         generic_names_.end();
}

void Parser::AddTypeUse(int32_t from, std::string type, uint32_t line) {
  if (from < 0) return;
  for (size_t k = type_use_mark_; k < out_.type_uses.size(); ++k)
    if (out_.type_uses[k].from_item == from && out_.type_uses[k].type == type)
      return;
  TypeUse u;
  u.from = out_.items[from].path;
  u.from_item = from;
  u.type = std::move(type);
  u.line = line;
  u.in_macro = macro_depth_ > 0;
  out_.type_uses.push_back(std::move(u));
}

void Parser::CollectTypes(size_t begin, size_t end, int32_t from) {
  if (from < 0) return;
  size_t i = begin;
  while (i < end) {
    Tok k = K(i);
    if (k == Tok::kLBrace) {  // const expression: not a type
      i = After(i);
      continue;
    }
    if (k == Tok::kLBracket) {
      // [T; N]: only the element type.
      size_t close = Close(i);
      size_t j = i + 1;
      while (j < close && K(j) != Tok::kSemi) j = T(j).IsOpen() ? After(j) : j + 1;
      if (EnterNesting(i)) {
        CollectTypes(i + 1, std::min(j, close), from);
        --depth_;
      }
      i = close + 1;
      continue;
    }
    if (k == Tok::kPound) {  // attribute on a param or field
      if (i + 1 < end && K(i + 1) == Tok::kLBracket) {
        i = After(i + 1);
        continue;
      }
    }
    if (k == Tok::kPub) {
      ++i;
      if (i < end && K(i) == Tok::kLParen) i = After(i);
      continue;
    }
    bool starts = IsPathStart(k) && (i == begin || K(i - 1) != Tok::kPathSep);
    if (!starts) {
      ++i;
      continue;
    }
    // Associated type binding `Item = T` or `Item: Bound`.
    if (k == Tok::kIdent && i + 1 < end &&
        (K(i + 1) == Tok::kEq ||
         (K(i + 1) == Tok::kColon && i > begin &&
          (K(i - 1) == Tok::kLt || K(i - 1) == Tok::kComma)))) {
      i += 2;
      continue;
    }
    size_t j = i;
    if (K(j) == Tok::kPathSep) ++j;
    size_t first = j;
    size_t last = j;
    while (j < end && (K(j) == Tok::kIdent || K(j) == Tok::kSelfType ||
                       K(j) == Tok::kSelfValue || K(j) == Tok::kSuper ||
                       K(j) == Tok::kCrate)) {
      last = j;
      ++j;
      if (j + 1 < end && K(j) == Tok::kPathSep &&
          (K(j + 1) == Tok::kIdent || K(j + 1) == Tok::kSelfType)) {
        ++j;
        continue;
      }
      break;
    }
    if (last < first || j == first) {
      i = std::max(j, i + 1);
      continue;
    }
    std::string_view head = Name(first);
    bool skip = K(first) == Tok::kSelfType || K(first) == Tok::kSelfValue ||
                (first == last && (IsPrimitive(head) || head == "_")) ||
                IsGenericName(head);
    if (!skip) AddTypeUse(from, PathText(i, j), T(last).line);
    i = j;
  }
}

void Parser::CollectFieldTypes(size_t begin, size_t end, int32_t from,
                               bool named) {
  size_t i = begin;
  while (i < end) {
    // The next comma outside brackets and angle brackets.
    size_t j = i;
    int angle = 0;
    while (j < end && !(K(j) == Tok::kComma && angle == 0)) {
      if (K(j) == Tok::kLt) ++angle;
      if (K(j) == Tok::kGt && angle > 0) --angle;
      j = T(j).IsOpen() ? After(j) : j + 1;
    }
    size_t t = i;
    if (named) {
      while (t < j && K(t) != Tok::kColon) t = T(t).IsOpen() ? After(t) : t + 1;
      if (t < j) ++t;
    }
    CollectTypes(t, j, from);
    i = j + 1;
  }
}

std::string Parser::Concat(size_t begin, size_t end) const {
  std::string s;
  for (size_t i = begin; i < end; ++i) s += Text(i);
  return s;
}

std::string Parser::PathText(size_t begin, size_t end) const {
  std::string s;
  size_t i = begin;
  if (i < end && K(i) == Tok::kLt) {
    size_t j = SkipAngle(i, end);
    s = Render(i, j);
    i = j;
  }
  while (i < end) {
    Tok k = K(i);
    if (k == Tok::kLt) {
      i = SkipAngle(i, end);
      continue;
    }
    if (k == Tok::kPathSep) {
      if (i + 1 < end && K(i + 1) == Tok::kLt) {
        i = SkipAngle(i + 1, end);
        continue;
      }
      s += "::";
    } else {
      s += Name(i);
    }
    ++i;
  }
  while (s.size() >= 2 && s.compare(s.size() - 2, 2, "::") == 0)
    s.resize(s.size() - 2);
  return s;
}

namespace {

bool SpaceBetween(Tok a, Tok b, bool a_word, bool b_word) {
  auto closer = [](Tok t) {
    return t == Tok::kRParen || t == Tok::kRBracket || t == Tok::kRBrace;
  };
  if (closer(b) || b == Tok::kComma || b == Tok::kSemi) return false;
  if (a == Tok::kComma || a == Tok::kColon || a == Tok::kSemi ||
      a == Tok::kEq || a == Tok::kArrow || a == Tok::kFatArrow ||
      a == Tok::kPlus)
    return true;
  if (b == Tok::kArrow || b == Tok::kEq || b == Tok::kPlus ||
      b == Tok::kFatArrow || b == Tok::kLBrace || b == Tok::kWhere)
    return true;
  if (a_word && b_word) return true;
  // `for (A, B)`, `&'a [u8]`, `impl !Send`, `mut *p`: a keyword or lifetime
  // before a type that starts with punctuation (but `pub(crate)`, `fn(u8)`).
  bool a_kw = (a >= Tok::kAs && a <= Tok::kWhile) || a == Tok::kLifetime;
  if (a_kw && (b == Tok::kAnd || b == Tok::kAndAnd || b == Tok::kLBracket ||
               b == Tok::kNot || b == Tok::kStar ||
               (b == Tok::kLParen && a != Tok::kPub && a != Tok::kFn)))
    return true;
  if ((closer(a) || a == Tok::kGt) &&
      (b_word || b == Tok::kAnd || b == Tok::kAndAnd || b == Tok::kStar ||
       b == Tok::kNot || b == Tok::kLBracket))
    return true;
  return false;
}

}  // namespace

bool Parser::IsTrailingComma(size_t i) const {
  // A comma right before a closer, unless it makes a one-element tuple:
  // `(a: u8,)` -> `(a: u8)` but `(A,)` stays.
  Tok next = K(i + 1);
  if (next == Tok::kGt || next == Tok::kRBracket || next == Tok::kRBrace)
    return true;
  if (next != Tok::kRParen) return false;
  int depth = 0;
  for (size_t k = i; k-- > 0;) {
    if (T(k).IsClose()) ++depth;
    if (T(k).IsOpen()) {
      if (depth == 0) return false;  // reached the opener: the only comma
      --depth;
    }
    if (depth == 0 && K(k) == Tok::kComma) return true;
  }
  return false;
}

std::string Parser::Render(size_t begin, size_t end) const {
  std::string s;
  s.reserve((end - begin) * 4);
  size_t prev = SIZE_MAX;
  for (size_t i = begin; i < end; ++i) {
    if (K(i) == Tok::kComma && i + 1 < end && IsTrailingComma(i)) continue;
    if (prev != SIZE_MAX &&
        SpaceBetween(K(prev), K(i), T(prev).IsWord(), T(i).IsWord()))
      s += ' ';
    s += Text(i);
    prev = i;
  }
  return s;
}

}  // namespace aim::rust

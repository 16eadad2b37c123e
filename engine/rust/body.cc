// Bodies: a structural scan of expressions and statements that finds calls,
// method calls, macro invocations and nested items, and steps over
// patterns and types so that `Some(x)` in a pattern is not a call.
#include "engine/rust/parser.h"

namespace aim::rust {
namespace {

bool IsSegment(Tok k) {
  return k == Tok::kIdent || k == Tok::kSelfType || k == Tok::kSelfValue ||
         k == Tok::kSuper || k == Tok::kCrate;
}

// Tokens after which an expression has ended, so that a following `|` is
// a binary operator and `<` a comparison.
bool EndsValue(Tok k) {
  switch (k) {
    case Tok::kIdent: case Tok::kLiteral: case Tok::kRParen:
    case Tok::kRBracket: case Tok::kRBrace: case Tok::kQuestion:
    case Tok::kSelfValue: case Tok::kSelfType: case Tok::kTrue:
    case Tok::kFalse: case Tok::kAwait: case Tok::kGt:
      return true;
    default:
      return false;
  }
}

}  // namespace

void Parser::AddCall(size_t callee_tok, bool method, size_t path_begin,
                     size_t path_end, bool on_self) {
  if (caller_.empty()) return;  // only calls inside fn bodies
  Call c;
  c.caller = caller_;
  c.caller_item = caller_item_;
  c.callee = std::string(Name(callee_tok));
  c.line = T(callee_tok).line;
  c.method = method;
  c.on_self = on_self;
  c.in_macro = macro_depth_ > 0;
  if (!method && path_end > path_begin) {
    c.qualifier = PathText(path_begin, path_end);
    c.has_qualifier = !c.qualifier.empty();
  }
  out_.calls.push_back(std::move(c));
}

void Parser::AddMacroCall(size_t name_tok) {
  MacroCall m;
  m.caller = !caller_.empty() ? caller_ : !owner_.empty() ? owner_ : path_;
  m.name = std::string(Name(name_tok));
  m.line = T(name_tok).line;
  m.in_macro = macro_depth_ > 0;
  out_.macro_calls.push_back(std::move(m));
}

void Parser::ScanGroup(size_t open) {
  if (!EnterNesting(open)) return;
  ScanExpr(open + 1, Close(open));
  --depth_;
}

void Parser::ScanMacroBody(size_t open, bool items, Scope scope) {
  if (!EnterNesting(open)) return;
  ++macro_depth_;
  if (items) {
    ParseItems(open + 1, Close(open), scope);
  } else {
    ScanExpr(open + 1, Close(open));
  }
  --macro_depth_;
  --depth_;
}

size_t Parser::SkipPattern(size_t i, size_t end, Tok stop1, Tok stop2,
                           Tok stop3) const {
  while (i < end) {
    Tok k = K(i);
    if (k == stop1 || k == stop2 || k == stop3) return i;
    i = T(i).IsOpen() ? After(i) : i + 1;
  }
  return i;
}

size_t Parser::SkipTypeUntilEq(size_t i, size_t end) const {
  // A `let` type annotation: up to `=` or `;` outside angle brackets.
  int depth = 0;
  while (i < end) {
    Tok k = K(i);
    if (depth == 0 && (k == Tok::kEq || k == Tok::kSemi)) return i;
    if (k == Tok::kLt) ++depth;
    if (k == Tok::kGt && depth > 0) --depth;
    i = T(i).IsOpen() ? After(i) : i + 1;
  }
  return i;
}

bool Parser::StartsItem(size_t i, size_t end) const {
  Tok n = i + 1 < end ? K(i + 1) : Tok::kEof;
  Tok n2 = i + 2 < end ? K(i + 2) : Tok::kEof;
  switch (K(i)) {
    case Tok::kFn:
      return n == Tok::kIdent;
    case Tok::kStruct: case Tok::kEnum: case Tok::kTrait: case Tok::kMod:
    case Tok::kType:
      return n == Tok::kIdent;
    case Tok::kImpl: case Tok::kUse: case Tok::kPub: case Tok::kExtern:
      return true;
    case Tok::kConst:
      return (n == Tok::kIdent && n2 == Tok::kColon) || n == Tok::kFn ||
             n == Tok::kUnsafe || n == Tok::kAsync || n == Tok::kExtern;
    case Tok::kStatic:
      return (n == Tok::kIdent && n2 == Tok::kColon) || n == Tok::kMut;
    case Tok::kUnsafe:
      return n == Tok::kFn || n == Tok::kImpl || n == Tok::kTrait ||
             n == Tok::kExtern;
    case Tok::kAsync:
      return n == Tok::kFn || (n == Tok::kUnsafe && n2 == Tok::kFn);
    case Tok::kIdent: {
      std::string_view w = Text(i);
      if (w == "union") return n == Tok::kIdent && n2 != Tok::kNot;
      if (w == "macro_rules") return n == Tok::kNot && n2 == Tok::kIdent;
      if (w == "auto") return n == Tok::kTrait;
      return false;
    }
    default:
      return false;
  }
}

size_t Parser::ScanPathExpr(size_t i, size_t end) {
  // At a path start: [<qself>::] [::] seg (:: <args>)? (:: seg ...)*
  size_t begin = i;
  size_t j = i;
  if (K(j) == Tok::kLt) {
    j = SkipAngle(j, end);
    if (j >= end || K(j) != Tok::kPathSep) return j;
    ++j;
  } else if (K(j) == Tok::kPathSep) {
    ++j;
  }
  size_t last = end;
  size_t last_sep = j;
  while (j < end && IsSegment(K(j))) {
    last = j;
    ++j;
    if (j < end && K(j) == Tok::kPathSep) {
      if (j + 1 < end && K(j + 1) == Tok::kLt) {
        j = SkipAngle(j + 1, end);  // turbofish
        if (j < end && K(j) == Tok::kPathSep && j + 1 < end &&
            IsSegment(K(j + 1))) {
          last_sep = j;
          ++j;
          continue;
        }
        break;
      }
      if (j + 1 < end && IsSegment(K(j + 1))) {
        last_sep = j;
        ++j;
        continue;
      }
    }
    break;
  }
  if (last == end) return j > i ? j : i + 1;
  if (j < end && K(j) == Tok::kLParen) {
    size_t qual_end = last > begin ? last_sep : begin;
    AddCall(last, /*method=*/false, begin, qual_end);
    return j;  // the argument group is scanned by the caller's loop
  }
  if (j + 1 < end && K(j) == Tok::kNot && T(j + 1).IsOpen()) {
    AddMacroCall(last);
    ScanMacroBody(j + 1, /*items=*/false, Scope::kBody);
    return After(j + 1);
  }
  return j;
}

size_t Parser::ScanMethod(size_t i, size_t end) {
  // At `.`: `.name(..)` or `.name::<T>(..)`.
  size_t j = i + 1;
  if (j >= end || K(j) != Tok::kIdent) return j;
  size_t name = j++;
  if (j + 1 < end && K(j) == Tok::kPathSep && K(j + 1) == Tok::kLt)
    j = SkipAngle(j + 1, end);
  if (j < end && K(j) == Tok::kLParen) {
    // `self.m(..)`, `self` a whole receiver (not `x.self`, `a::self`).
    const bool on_self =
        i >= 1 && K(i - 1) == Tok::kSelfValue &&
        !(i >= 2 && (K(i - 2) == Tok::kDot || K(i - 2) == Tok::kPathSep));
    AddCall(name, /*method=*/true, 0, 0, on_self);
  }
  return j;
}

size_t Parser::FindBlockStart(size_t i, size_t end) const {
  // The `{` that opens the body of `match`/`if`/`while`/`for`: the first
  // top-level one not itself opening an `unsafe`/`async`/`const` block.
  while (i < end) {
    if (K(i) == Tok::kLBrace) {
      Tok p = K(i - 1);
      if (p != Tok::kUnsafe && p != Tok::kAsync && p != Tok::kMove &&
          p != Tok::kConst)
        return i;
    }
    i = T(i).IsOpen() ? After(i) : i + 1;
  }
  return i;
}

void Parser::ScanExpr(size_t begin, size_t end) {
  size_t i = begin;
  bool expr_start = true;
  while (i < end) {
    Tok k = K(i);
    size_t next = i + 1;
    switch (k) {
      case Tok::kLet: {
        size_t j = SkipPattern(i + 1, end, Tok::kEq, Tok::kSemi, Tok::kColon);
        if (j < end && K(j) == Tok::kColon) {
          size_t type_end = SkipTypeUntilEq(j + 1, end);
          ScanTypeExprs(j + 1, type_end);
          j = type_end;
        }
        next = j;
        break;
      }
      case Tok::kFor:
        if (i + 1 < end && K(i + 1) == Tok::kLt) {
          next = SkipAngle(i + 1, end);  // for<'a> in a type
        } else {
          next = SkipPattern(i + 1, end, Tok::kIn, Tok::kIn, Tok::kIn);
        }
        break;
      case Tok::kMatch: {
        size_t body = FindBlockStart(i + 1, end);
        if (body < end) {
          if (EnterNesting(i)) {
            ScanExpr(i + 1, body);
            ScanMatchArms(body + 1, Close(body));
            --depth_;
          }
          next = After(body);
        }
        break;
      }
      case Tok::kOr:
      case Tok::kOrOr:
        if (expr_start) {
          // Closure parameters are patterns.
          size_t j = i + 1;
          if (k == Tok::kOr) {
            j = SkipPattern(i + 1, end, Tok::kOr, Tok::kOr, Tok::kOr);
            if (j < end) ++j;
          }
          if (j < end && K(j) == Tok::kArrow)
            j = SkipPattern(j + 1, end, Tok::kLBrace, Tok::kLBrace,
                            Tok::kLBrace);
          next = j;
        }
        break;
      case Tok::kLt:
        // <T as Tr>::f, but not the second half of a `<<` shift.
        if (expr_start && !(i > begin && K(i - 1) == Tok::kLt && T(i - 1).joint))
          next = ScanPathExpr(i, end);
        break;
      case Tok::kIdent:
      case Tok::kSelfType:
      case Tok::kSelfValue:
      case Tok::kSuper:
      case Tok::kCrate:
      case Tok::kPathSep:
        if (k == Tok::kIdent && StartsItem(i, end)) {
          next = ParseItem(i, end, Scope::kBody);
        } else {
          next = ScanPathExpr(i, end);
        }
        break;
      case Tok::kDot:
        next = ScanMethod(i, end);
        break;
      case Tok::kAs:
        next = SkipType(i + 1, end, false);
        if (next == i + 1) next = i + 2;
        ScanTypeExprs(i + 1, next);
        break;
      case Tok::kPound:
        if (i + 1 < end && K(i + 1) == Tok::kNot && i + 2 < end &&
            K(i + 2) == Tok::kLBracket) {
          next = After(i + 2);
        } else if (i + 1 < end && K(i + 1) == Tok::kLBracket) {
          Attrs attrs;
          size_t j = ParseAttrs(i, end, attrs);
          next = j < end && StartsItem(j, end) ? ParseItem(i, end, Scope::kBody)
                                               : j;
        }
        break;
      case Tok::kLParen:
      case Tok::kLBracket:
      case Tok::kLBrace:
        ScanGroup(i);
        next = After(i);
        break;
      default:
        if (StartsItem(i, end)) next = ParseItem(i, end, Scope::kBody);
        break;
    }
    if (next <= i) next = i + 1;
    // The token that ended this step decides whether an expression may
    // start next.
    expr_start = !EndsValue(K(next - 1));
    i = next;
  }
}

void Parser::ScanTypeExprs(size_t begin, size_t end) {
  // Array lengths inside a type (`[u8; size_of::<T>()]`) are expressions.
  for (size_t i = begin; i < end; ++i) {
    if (!T(i).IsOpen()) continue;
    size_t close = Close(i);
    if (EnterNesting(i)) {
      size_t semi = K(i) == Tok::kLBracket ? FindTop(i + 1, close, Tok::kSemi)
                                           : close;
      ScanTypeExprs(i + 1, semi);
      if (semi < close) ScanExpr(semi + 1, close);
      --depth_;
    }
    i = close;
  }
}

size_t Parser::FindArmEnd(size_t i, size_t end) const {
  // The first top-level comma that is not inside generic arguments
  // (`Punctuated::<A, B>::new()`, `<A as Tr<B, C>>::f()`).
  size_t begin = i;
  while (i < end) {
    Tok k = K(i);
    if (k == Tok::kComma) return i;
    if (k == Tok::kPathSep && i + 1 < end && K(i + 1) == Tok::kLt) {
      i = SkipAngle(i + 1, end);
      continue;
    }
    if (k == Tok::kLt && (i == begin || !EndsValue(K(i - 1)))) {
      i = SkipAngle(i, end);
      continue;
    }
    i = T(i).IsOpen() ? After(i) : i + 1;
  }
  return i;
}

void Parser::ScanMatchArms(size_t begin, size_t end) {
  size_t i = begin;
  while (i < end) {
    while (i + 1 < end && K(i) == Tok::kPound && K(i + 1) == Tok::kLBracket)
      i = After(i + 1);
    // Pattern, then an optional guard.
    size_t j = SkipPattern(i, end, Tok::kFatArrow, Tok::kIf, Tok::kIf);
    if (j < end && K(j) == Tok::kIf) {
      size_t arrow = SkipPattern(j + 1, end, Tok::kFatArrow, Tok::kFatArrow,
                                 Tok::kFatArrow);
      ScanExpr(j + 1, arrow);
      j = arrow;
    }
    if (j >= end) return;
    size_t body = j + 1;
    // The arm ends at a top-level comma, or right after a block-like
    // expression (`{..}`, `if`, `match`, `loop`, `while`, `for`, `unsafe`).
    size_t arm_end = end;
    Tok first = body < end ? K(body) : Tok::kEof;
    bool block_like = first == Tok::kLBrace || first == Tok::kIf ||
                      first == Tok::kMatch || first == Tok::kLoop ||
                      first == Tok::kWhile || first == Tok::kFor ||
                      first == Tok::kUnsafe || first == Tok::kLifetime;
    size_t k = body;
    if (block_like) {
      while (k < end) {
        size_t brace;
        if (K(k) == Tok::kLBrace) {
          brace = k;
        } else if (K(k) == Tok::kUnsafe && k + 1 < end &&
                   K(k + 1) == Tok::kLBrace) {
          brace = k + 1;
        } else {
          brace = FindBlockStart(k + 1, end);
        }
        if (brace >= end) {
          k = end;
          break;
        }
        k = After(brace);
        if (k < end && K(k) == Tok::kElse) {
          ++k;
          continue;
        }
        break;
      }
      if (k < end && (K(k) == Tok::kDot || K(k) == Tok::kQuestion))
        k = FindArmEnd(k, end);
      arm_end = k;
    } else {
      arm_end = FindArmEnd(body, end);
    }
    ScanExpr(body, arm_end);
    i = arm_end;
    if (i < end && K(i) == Tok::kComma) ++i;
  }
}

}  // namespace aim::rust

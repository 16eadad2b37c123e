// Tokens of the Rust lexer. Compact (16 bytes) and free of owned memory: a
// token is a kind plus a byte range into the source it was lexed from.
#ifndef AIM_ENGINE_RUST_TOKEN_H_
#define AIM_ENGINE_RUST_TOKEN_H_

#include <cstdint>
#include <string_view>

namespace aim::rust {

enum class Tok : uint8_t {
  kEof,
  kIdent,     // includes raw identifiers (`r#type`) and contextual keywords
  kLifetime,  // 'a, 'static, '_ (also labels)
  kLiteral,   // string, char, byte, number (with suffix)
  // Strict keywords.
  kAs, kAsync, kAwait, kBreak, kConst, kContinue, kCrate, kDyn, kElse, kEnum,
  kExtern, kFalse, kFn, kFor, kIf, kImpl, kIn, kLet, kLoop, kMatch, kMod,
  kMove, kMut, kPub, kRef, kReturn, kSelfValue, kSelfType, kStatic, kStruct,
  kSuper, kTrait, kTrue, kType, kUnsafe, kUse, kWhere, kWhile,
  // Delimiters.
  kLParen, kRParen, kLBracket, kRBracket, kLBrace, kRBrace,
  // Punctuation. `<<`, `>>`, `<=`, `>=`, `<<=`, `>>=` are never produced:
  // they come as single `<`/`>`/`=` tokens with `joint` set on all but the
  // last, so that generics (`Vec<Vec<u8>>`) need no splitting.
  kLt, kGt, kEq, kColon, kPathSep, kSemi, kComma, kDot, kDotDot, kDotDotDot,
  kDotDotEq, kEqEq, kFatArrow, kArrow, kNot, kNe, kPound, kAnd, kAndAnd, kOr,
  kOrOr, kQuestion, kAt, kDollar, kTilde, kPlus, kMinus, kStar, kSlash,
  kPercent, kCaret, kCompoundAssign,  // += -= *= /= %= ^= &= |=
  kUnknown,  // a byte that starts no token (reported once per run)
};

struct Token {
  Tok kind = Tok::kEof;
  bool joint = false;  // the next token follows with no space between
  uint32_t offset = 0;  // byte offset into the source
  uint32_t len = 0;
  uint32_t line = 0;  // 1-based line of the first byte

  bool Is(Tok k) const { return kind == k; }
  bool IsOpen() const {
    return kind == Tok::kLParen || kind == Tok::kLBracket ||
           kind == Tok::kLBrace;
  }
  bool IsClose() const {
    return kind == Tok::kRParen || kind == Tok::kRBracket ||
           kind == Tok::kRBrace;
  }
  bool IsKeyword() const { return kind >= Tok::kAs && kind <= Tok::kWhile; }
  // Identifiers and keywords: things that print as words.
  bool IsWord() const {
    return kind == Tok::kIdent || kind == Tok::kLifetime ||
           kind == Tok::kLiteral || IsKeyword();
  }
};

}  // namespace aim::rust

#endif  // AIM_ENGINE_RUST_TOKEN_H_

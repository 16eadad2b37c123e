// The Rust lexer (engine/rust/lexer.h): one TEST per construct, with exact
// expectations on token kinds, texts, lines, joint flags, delimiter
// matching and diagnostics.
#include "engine/rust/lexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace aim::rust {
namespace {

using ::testing::ElementsAre;

struct Lexed {
  std::string src;
  LexResult r;
  std::string_view Text(size_t i) const { return TokenText(src, r.tokens[i]); }
  // Token texts, without the final kEof.
  std::vector<std::string> Texts() const {
    std::vector<std::string> v;
    for (size_t i = 0; i + 1 < r.tokens.size(); ++i)
      v.emplace_back(Text(i));
    return v;
  }
  std::vector<Tok> Kinds() const {
    std::vector<Tok> v;
    for (size_t i = 0; i + 1 < r.tokens.size(); ++i)
      v.push_back(r.tokens[i].kind);
    return v;
  }
  std::vector<std::string> Messages() const {
    std::vector<std::string> v;
    for (const auto& d : r.diagnostics) v.push_back(d.message);
    return v;
  }
};

Lexed L(std::string src) {
  Lexed l;
  l.src = std::move(src);
  Lex(l.src, l.r);
  return l;
}

// ---- identifiers and keywords

TEST(LexerTest, RawIdentifiers) {
  Lexed l = L("let r#type = r#fn + r#match_x;");
  EXPECT_THAT(l.Texts(), ElementsAre("let", "r#type", "=", "r#fn", "+",
                                     "r#match_x", ";"));
  EXPECT_THAT(l.Kinds(), ElementsAre(Tok::kLet, Tok::kIdent, Tok::kEq,
                                     Tok::kIdent, Tok::kPlus, Tok::kIdent,
                                     Tok::kSemi));
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, KeywordsAndContextualKeywords) {
  Lexed l = L("fn self Self union auto macro_rules dyn async await");
  EXPECT_THAT(l.Kinds(),
              ElementsAre(Tok::kFn, Tok::kSelfValue, Tok::kSelfType,
                          Tok::kIdent, Tok::kIdent, Tok::kIdent, Tok::kDyn,
                          Tok::kAsync, Tok::kAwait));
  EXPECT_EQ(KeywordKind("where"), Tok::kWhere);
  EXPECT_EQ(KeywordKind("wherever"), Tok::kIdent);
  EXPECT_EQ(KeywordKind("_"), Tok::kIdent);
}

TEST(LexerTest, UnicodeIdentifier) {
  Lexed l = L("let café = 1;");
  EXPECT_THAT(l.Texts(), ElementsAre("let", "café", "=", "1", ";"));
  EXPECT_EQ(l.r.tokens[1].kind, Tok::kIdent);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

// ---- lifetimes and char literals

TEST(LexerTest, LifetimeVersusCharLiteral) {
  Lexed l = L("'a 'a' 'static '_ 'b>");
  EXPECT_THAT(l.Texts(), ElementsAre("'a", "'a'", "'static", "'_", "'b", ">"));
  EXPECT_THAT(l.Kinds(), ElementsAre(Tok::kLifetime, Tok::kLiteral,
                                     Tok::kLifetime, Tok::kLifetime,
                                     Tok::kLifetime, Tok::kGt));
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, LifetimesInGenerics) {
  Lexed l = L("fn f<'a,'b>(x: &'a str) -> &'b u8");
  EXPECT_THAT(l.Texts(), ElementsAre("fn", "f", "<", "'a", ",", "'b", ">",
                                     "(", "x", ":", "&", "'a", "str", ")",
                                     "->", "&", "'b", "u8"));
  EXPECT_EQ(l.r.tokens[3].kind, Tok::kLifetime);
  EXPECT_EQ(l.r.tokens[11].kind, Tok::kLifetime);
}

TEST(LexerTest, LoopLabel) {
  Lexed l = L("'outer: loop { break 'outer; }");
  EXPECT_THAT(l.Texts(), ElementsAre("'outer", ":", "loop", "{", "break",
                                     "'outer", ";", "}"));
  EXPECT_EQ(l.r.tokens[0].kind, Tok::kLifetime);
  EXPECT_EQ(l.r.tokens[5].kind, Tok::kLifetime);
}

TEST(LexerTest, EscapedCharLiterals) {
  Lexed l = L(R"(['\'', '\\', '\n', '\u{1F600}', '"', b'\'', b'a'])");
  EXPECT_THAT(l.Texts(),
              ElementsAre("[", R"('\'')", ",", R"('\\')", ",", R"('\n')", ",",
                          R"('\u{1F600}')", ",", R"('"')", ",", R"(b'\'')",
                          ",", "b'a'", "]"));
  for (size_t i = 1; i < 14; i += 2)
    EXPECT_EQ(l.r.tokens[i].kind, Tok::kLiteral) << l.Text(i);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, UnicodeCharLiterals) {
  Lexed l = L("('é', 'ß', '中', '🦀')");
  EXPECT_THAT(l.Texts(),
              ElementsAre("(", "'é'", ",", "'ß'", ",", "'中'", ",", "'🦀'", ")"));
  EXPECT_EQ(l.r.tokens[1].kind, Tok::kLiteral);
  EXPECT_EQ(l.r.tokens[7].kind, Tok::kLiteral);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, CharLiteralsAdjacentToLifetimeLikeText) {
  // A char literal followed by a comma, and a lifetime followed by one.
  Lexed l = L("['a','b'] <'a,'b>");
  EXPECT_THAT(l.Kinds(),
              ElementsAre(Tok::kLBracket, Tok::kLiteral, Tok::kComma,
                          Tok::kLiteral, Tok::kRBracket, Tok::kLt,
                          Tok::kLifetime, Tok::kComma, Tok::kLifetime,
                          Tok::kGt));
}

// ---- strings

TEST(LexerTest, PlainStringWithCommentMarkersAndQuotes) {
  Lexed l = L(R"(x = "a // b /* c \" d */ e"; y)");
  EXPECT_THAT(l.Texts(),
              ElementsAre("x", "=", R"("a // b /* c \" d */ e")", ";", "y"));
  EXPECT_EQ(l.r.tokens[2].kind, Tok::kLiteral);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, MultiLineStringAdvancesLines) {
  Lexed l = L("let s = \"one\ntwo\\\nthree\";\nnext");
  EXPECT_THAT(l.Texts(), ElementsAre("let", "s", "=",
                                     "\"one\ntwo\\\nthree\"", ";", "next"));
  EXPECT_EQ(l.r.tokens[3].line, 1u);
  EXPECT_EQ(l.r.tokens[4].line, 3u);
  EXPECT_EQ(l.r.tokens[5].line, 4u);
  EXPECT_EQ(l.r.lines, 4u);
}

TEST(LexerTest, RawStrings) {
  Lexed l = L(R"###(a r"x\" b r#"has "quotes" // and /*"# r##"a "# inside"## z)###");
  EXPECT_THAT(l.Texts(),
              ElementsAre("a", R"(r"x\")", "b",
                          R"##(r#"has "quotes" // and /*"#)##",
                          R"###(r##"a "# inside"##)###", "z"));
  EXPECT_EQ(l.r.tokens[1].kind, Tok::kLiteral);
  EXPECT_EQ(l.r.tokens[3].kind, Tok::kLiteral);
  EXPECT_EQ(l.r.tokens[4].kind, Tok::kLiteral);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, RawStringSpanningLines) {
  Lexed l = L("r#\"line1\nline2\"#\nx");
  EXPECT_THAT(l.Texts(), ElementsAre("r#\"line1\nline2\"#", "x"));
  EXPECT_EQ(l.r.tokens[1].line, 3u);
}

TEST(LexerTest, ByteAndCStrings) {
  Lexed l = L(R"##(b"bytes\"" br"raw\" br#"x"y"# c"cstr" cr"raw c" cr#"q"#)##");
  EXPECT_THAT(l.Texts(),
              ElementsAre(R"(b"bytes\"")", R"(br"raw\")", R"##(br#"x"y"#)##",
                          R"(c"cstr")", R"(cr"raw c")", R"##(cr#"q"#)##"));
  for (Tok k : l.Kinds()) EXPECT_EQ(k, Tok::kLiteral);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, IdentifiersStartingWithLiteralPrefixes) {
  // `b`, `c`, `r`, `br`, `cr` are ordinary identifiers unless a quote follows.
  Lexed l = L("b c r br cr rb bytes raw r#raw");
  EXPECT_THAT(l.Texts(), ElementsAre("b", "c", "r", "br", "cr", "rb", "bytes",
                                     "raw", "r#raw"));
  for (Tok k : l.Kinds()) EXPECT_EQ(k, Tok::kIdent);
}

TEST(LexerTest, StringSuffix) {
  Lexed l = L(R"("abc"suffix 'x'u8)");
  EXPECT_THAT(l.Texts(), ElementsAre(R"("abc"suffix)", "'x'u8"));
}

// ---- numbers

TEST(LexerTest, NumbersWithSuffixesAndExponents) {
  Lexed l = L("1e10 1.5e-3f64 0x1F_u8 1_000i64 0b1010_1010 0o777 2.5E+7 1f32 "
              "3usize 0xdead_beef");
  EXPECT_THAT(l.Texts(),
              ElementsAre("1e10", "1.5e-3f64", "0x1F_u8", "1_000i64",
                          "0b1010_1010", "0o777", "2.5E+7", "1f32", "3usize",
                          "0xdead_beef"));
  for (Tok k : l.Kinds()) EXPECT_EQ(k, Tok::kLiteral);
}

TEST(LexerTest, RangeIsNotAFloat) {
  Lexed l = L("1..2 0..=9 a[1..]");
  EXPECT_THAT(l.Texts(), ElementsAre("1", "..", "2", "0", "..=", "9", "a", "[",
                                     "1", "..", "]"));
  EXPECT_EQ(l.r.tokens[1].kind, Tok::kDotDot);
  EXPECT_EQ(l.r.tokens[4].kind, Tok::kDotDotEq);
}

TEST(LexerTest, MethodCallOnIntegerIsNotAFloat) {
  Lexed l = L("1.foo() 2.0.max(1.0)");
  EXPECT_THAT(l.Texts(), ElementsAre("1", ".", "foo", "(", ")", "2.0", ".",
                                     "max", "(", "1.0", ")"));
}

TEST(LexerTest, TupleIndex) {
  // As rustc's lexer does, `0.1` after a dot is one float literal.
  Lexed l = L("x.0.1 y.0.len()");
  EXPECT_THAT(l.Texts(), ElementsAre("x", ".", "0.1", "y", ".", "0", ".",
                                     "len", "(", ")"));
}

TEST(LexerTest, TrailingDotFloat) {
  Lexed l = L("let x = 2.;");
  EXPECT_THAT(l.Texts(), ElementsAre("let", "x", "=", "2.", ";"));
}

// ---- comments

TEST(LexerTest, NestedBlockComments) {
  Lexed l = L("a /* one /* two */ still */ b /**/ c /***/ d");
  EXPECT_THAT(l.Texts(), ElementsAre("a", "b", "c", "d"));
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, CommentsAdvanceLines) {
  Lexed l = L("a /* x\ny\n*/ b // c\nd");
  EXPECT_THAT(l.Texts(), ElementsAre("a", "b", "d"));
  EXPECT_EQ(l.r.tokens[1].line, 3u);
  EXPECT_EQ(l.r.tokens[2].line, 4u);
}

TEST(LexerTest, DocCommentsAreDropped) {
  Lexed l = L("//! inner doc\n/// outer doc\n/** block doc */\n/*! inner "
              "block */\nfn f() {}");
  EXPECT_THAT(l.Texts(), ElementsAre("fn", "f", "(", ")", "{", "}"));
  EXPECT_EQ(l.r.tokens[0].line, 5u);
}

TEST(LexerTest, CommentMarkersInsideStringsAndCharsAreNotComments) {
  Lexed l = L("'/' \"/*\" x");
  EXPECT_THAT(l.Texts(), ElementsAre("'/'", "\"/*\"", "x"));
  EXPECT_TRUE(l.r.diagnostics.empty());
}

// ---- shebang and attributes

TEST(LexerTest, ShebangLineIsSkipped) {
  Lexed l = L("#!/usr/bin/env rust-script\nfn main() {}");
  EXPECT_THAT(l.Texts(), ElementsAre("fn", "main", "(", ")", "{", "}"));
  EXPECT_EQ(l.r.tokens[0].line, 2u);
}

TEST(LexerTest, InnerAttributeIsNotAShebang) {
  Lexed l = L("#![allow(dead_code)]\nfn main() {}");
  EXPECT_THAT(l.Texts(),
              ElementsAre("#", "!", "[", "allow", "(", "dead_code", ")", "]",
                          "fn", "main", "(", ")", "{", "}"));
  Lexed spaced = L("#! [allow(x)]");
  EXPECT_THAT(spaced.Texts(),
              ElementsAre("#", "!", "[", "allow", "(", "x", ")", "]"));
}

TEST(LexerTest, ByteOrderMarkThenShebang) {
  Lexed l = L("\xEF\xBB\xBF#!/bin/x\nfn f");
  EXPECT_THAT(l.Texts(), ElementsAre("fn", "f"));
  EXPECT_TRUE(l.r.diagnostics.empty());
}

// ---- punctuation

TEST(LexerTest, ShiftsAndComparisonsAreJointSingleTokens) {
  Lexed l = L("a >> b >= c >>= d << e <= f");
  EXPECT_THAT(l.Kinds(),
              ElementsAre(Tok::kIdent, Tok::kGt, Tok::kGt, Tok::kIdent,
                          Tok::kGt, Tok::kEq, Tok::kIdent, Tok::kGt, Tok::kGt,
                          Tok::kEq, Tok::kIdent, Tok::kLt, Tok::kLt,
                          Tok::kIdent, Tok::kLt, Tok::kEq, Tok::kIdent));
  const auto& t = l.r.tokens;
  EXPECT_TRUE(t[1].joint);   // > of >>
  EXPECT_FALSE(t[2].joint);  // second >, then a space
  EXPECT_TRUE(t[4].joint);   // > of >=
  EXPECT_FALSE(t[5].joint);
  EXPECT_TRUE(t[7].joint);   // >>=
  EXPECT_TRUE(t[8].joint);
  EXPECT_FALSE(t[9].joint);
  EXPECT_TRUE(t[11].joint);  // <<
  EXPECT_TRUE(t[14].joint);  // <=
  for (const Token& tok : t) EXPECT_EQ(tok.len, tok.kind == Tok::kEof ? 0u : 1u);
}

TEST(LexerTest, NestedGenericsCloseWithSingleGts) {
  Lexed l = L("Vec<Vec<u8>> x");
  EXPECT_THAT(l.Texts(), ElementsAre("Vec", "<", "Vec", "<", "u8", ">", ">",
                                     "x"));
  EXPECT_TRUE(l.r.tokens[5].joint);
  EXPECT_FALSE(l.r.tokens[6].joint);
}

TEST(LexerTest, SpacedGtsAreNotJoint) {
  Lexed l = L("a > > b");
  EXPECT_FALSE(l.r.tokens[1].joint);
}

TEST(LexerTest, MultiCharPunctuation) {
  Lexed l = L(":: -> => == != && || .. ... ..= += -= *= /= %= ^= &= |= # $ ? @ ~");
  EXPECT_THAT(l.Kinds(),
              ElementsAre(Tok::kPathSep, Tok::kArrow, Tok::kFatArrow,
                          Tok::kEqEq, Tok::kNe, Tok::kAndAnd, Tok::kOrOr,
                          Tok::kDotDot, Tok::kDotDotDot, Tok::kDotDotEq,
                          Tok::kCompoundAssign, Tok::kCompoundAssign,
                          Tok::kCompoundAssign, Tok::kCompoundAssign,
                          Tok::kCompoundAssign, Tok::kCompoundAssign,
                          Tok::kCompoundAssign, Tok::kCompoundAssign,
                          Tok::kPound, Tok::kDollar, Tok::kQuestion, Tok::kAt,
                          Tok::kTilde));
}

TEST(LexerTest, OffsetsAndLines) {
  Lexed l = L("fn\n  main");
  ASSERT_EQ(l.r.tokens.size(), 3u);
  EXPECT_EQ(l.r.tokens[1].offset, 5u);
  EXPECT_EQ(l.r.tokens[1].len, 4u);
  EXPECT_EQ(l.r.tokens[1].line, 2u);
  EXPECT_EQ(l.r.tokens[2].kind, Tok::kEof);
  EXPECT_EQ(l.r.lines, 2u);
}

TEST(LexerTest, EmptyInput) {
  Lexed l = L("");
  ASSERT_EQ(l.r.tokens.size(), 1u);
  EXPECT_EQ(l.r.tokens[0].kind, Tok::kEof);
  EXPECT_EQ(l.r.lines, 0u);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, LineCountWithAndWithoutTrailingNewline) {
  EXPECT_EQ(L("a\nb").r.lines, 2u);
  EXPECT_EQ(L("a\nb\n").r.lines, 2u);
  EXPECT_EQ(L("\n\n\n").r.lines, 3u);
}

// ---- diagnostics

TEST(LexerTest, InvalidUtf8IsReportedAndLexingContinues) {
  Lexed l = L("fn a() {}\nlet \xFF\xFE = 1;\nfn b() {}");
  ASSERT_FALSE(l.r.diagnostics.empty());
  EXPECT_EQ(l.r.diagnostics[0].message, "invalid UTF-8");
  EXPECT_EQ(l.r.diagnostics[0].line, 2u);
  EXPECT_EQ(l.r.diagnostics[0].offset, 14u);
  // The tokens after the bad bytes are still there.
  std::vector<std::string> texts = l.Texts();
  ASSERT_GE(texts.size(), 6u);
  EXPECT_THAT(std::vector<std::string>(texts.end() - 6, texts.end()),
              ElementsAre("fn", "b", "(", ")", "{", "}"));
  EXPECT_EQ(l.r.tokens[l.r.tokens.size() - 2].line, 3u);
}

TEST(LexerTest, OverlongAndSurrogateUtf8AreInvalid) {
  // C0 80 is an overlong NUL; ED A0 80 a UTF-16 surrogate.
  EXPECT_EQ(L("x \xC0\x80 y").Messages()[0], "invalid UTF-8");
  EXPECT_EQ(L("x \xED\xA0\x80 y").Messages()[0], "invalid UTF-8");
  // A valid 4-byte sequence is not reported as invalid UTF-8.
  for (const std::string& m : L("x \xF0\x9F\xA6\x80 y").Messages())
    EXPECT_NE(m, "invalid UTF-8");
}

TEST(LexerTest, UnterminatedString) {
  Lexed l = L("a\nb \"never closed\nc");
  ASSERT_EQ(l.r.diagnostics.size(), 1u);
  EXPECT_EQ(l.r.diagnostics[0].message, "unterminated string");
  EXPECT_EQ(l.r.diagnostics[0].line, 2u);
  EXPECT_EQ(l.r.diagnostics[0].offset, 4u);
  EXPECT_EQ(l.r.tokens.back().kind, Tok::kEof);
}

TEST(LexerTest, UnterminatedRawString) {
  Lexed l = L("x r##\"abc\"# y");
  ASSERT_EQ(l.r.diagnostics.size(), 1u);
  EXPECT_EQ(l.r.diagnostics[0].message, "unterminated raw string");
  EXPECT_EQ(l.r.diagnostics[0].offset, 2u);
}

TEST(LexerTest, UnterminatedBlockComment) {
  Lexed l = L("a\n/* outer /* inner */ still open\nb");
  ASSERT_EQ(l.r.diagnostics.size(), 1u);
  EXPECT_EQ(l.r.diagnostics[0].message, "unterminated block comment");
  EXPECT_EQ(l.r.diagnostics[0].line, 2u);
  EXPECT_THAT(l.Texts(), ElementsAre("a"));
}

TEST(LexerTest, UnterminatedCharLiteral) {
  Lexed l = L("x '\\n");
  ASSERT_EQ(l.r.diagnostics.size(), 1u);
  EXPECT_EQ(l.r.diagnostics[0].message, "unterminated char literal");
}

TEST(LexerTest, UnexpectedCharacter) {
  Lexed l = L("a ` b\n\\ c");
  EXPECT_THAT(l.Texts(), ElementsAre("a", "`", "b", "\\", "c"));
  EXPECT_EQ(l.r.tokens[1].kind, Tok::kUnknown);
  EXPECT_EQ(l.r.tokens[3].kind, Tok::kUnknown);
  ASSERT_EQ(l.r.diagnostics.size(), 2u);
  EXPECT_EQ(l.r.diagnostics[0].message, "unexpected character");
  EXPECT_EQ(l.r.diagnostics[0].offset, 2u);
  EXPECT_EQ(l.r.diagnostics[1].line, 2u);
}

// ---- delimiters

TEST(LexerTest, BalancedDelimitersMatch) {
  Lexed l = L("( [ { } ] ) { }");
  const auto& m = l.r.match;
  EXPECT_EQ(m[0], 5u);
  EXPECT_EQ(m[1], 4u);
  EXPECT_EQ(m[2], 3u);
  EXPECT_EQ(m[6], 7u);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, DelimitersInStringsAndCommentsDoNotCount) {
  Lexed l = L("{ \"}\" '}' /* } */ // }\n }");
  EXPECT_EQ(l.r.match[0], 3u);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, UnmatchedCloserIsReportedAndSkipped) {
  Lexed l = L("( ] )");
  EXPECT_THAT(l.Messages(), ElementsAre("unmatched closing delimiter"));
  EXPECT_EQ(l.r.match[0], 2u);
  EXPECT_EQ(l.r.diagnostics[0].offset, 2u);
}

TEST(LexerTest, UnclosedOpenerIsForcedClosedByOuterCloser) {
  Lexed l = L("{ ( }");
  EXPECT_THAT(l.Messages(), ElementsAre("unclosed delimiter"));
  EXPECT_EQ(l.r.match[0], 2u);
  EXPECT_EQ(l.r.match[1], 2u);
  EXPECT_EQ(l.r.diagnostics[0].offset, 2u);
}

TEST(LexerTest, UnclosedAtEndOfFile) {
  Lexed l = L("fn f() {\n  let x = (1,\n");
  EXPECT_THAT(l.Messages(), ElementsAre("unclosed delimiter at end of file"));
  size_t eof = l.r.tokens.size() - 1;
  ASSERT_EQ(l.r.tokens[4].kind, Tok::kLBrace);
  ASSERT_EQ(l.r.tokens[8].kind, Tok::kLParen);
  EXPECT_EQ(l.r.match[4], eof);
  EXPECT_EQ(l.r.match[8], eof);
  EXPECT_EQ(l.r.diagnostics[0].line, 2u);  // the innermost unclosed `(`
}

TEST(LexerTest, DeepNestingIsLinearAndMatched) {
  std::string src(100000, '(');
  src += std::string(100000, ')');
  Lexed l = L(src);
  EXPECT_EQ(l.r.match[0], 199999u);
  EXPECT_EQ(l.r.match[99999], 100000u);
  EXPECT_TRUE(l.r.diagnostics.empty());
}

TEST(LexerTest, LexerBuffersAreReused) {
  LexResult r;
  Lex("a b c", r);
  Lex("x", r);
  ASSERT_EQ(r.tokens.size(), 2u);
  EXPECT_EQ(r.tokens[0].offset, 0u);
  EXPECT_EQ(r.tokens[1].kind, Tok::kEof);
  EXPECT_TRUE(r.diagnostics.empty());
}

}  // namespace
}  // namespace aim::rust

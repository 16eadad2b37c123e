// The Rust lexer: bytes -> tokens, with delimiter matching.
//
// Comments (line, nested block, doc) and whitespace are dropped; a leading
// byte-order mark and shebang line are skipped. Invalid UTF-8 and
// unterminated literals or comments are reported as diagnostics and lexing
// goes on. Time is linear in the input; no recursion.
#ifndef AIM_ENGINE_RUST_LEXER_H_
#define AIM_ENGINE_RUST_LEXER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rust/token.h"

namespace aim::rust {

struct LexDiagnostic {
  uint32_t offset = 0;
  uint32_t line = 0;
  std::string message;
};

struct LexResult {
  // Always ends with one kEof token.
  std::vector<Token> tokens;
  // For every opening delimiter, the index of the token that closes it: its
  // partner, or, when the input is unbalanced, the token at which it was
  // forced closed (possibly the kEof). Undefined for other tokens.
  std::vector<uint32_t> match;
  std::vector<LexDiagnostic> diagnostics;
  uint32_t lines = 0;  // number of lines in the input
};

// Lexes `src` into `out`, reusing its capacity. Inputs of 4 GiB or more are
// rejected with a diagnostic and produce only the kEof token.
void Lex(std::string_view src, LexResult& out);

// The keyword kind of `word`, or kIdent if it is not a strict keyword.
Tok KeywordKind(std::string_view word);

// The token's text as it appears in the source.
inline std::string_view TokenText(std::string_view src, const Token& t) {
  return src.substr(t.offset, t.len);
}

}  // namespace aim::rust

#endif  // AIM_ENGINE_RUST_LEXER_H_

#include "engine/rust/parser.h"

#include <xxhash.h>

#include <algorithm>
#include <utility>

namespace aim {

std::string_view ItemKindName(ItemKind kind) {
  switch (kind) {
    case ItemKind::kFn: return "fn";
    case ItemKind::kMethod: return "method";
    case ItemKind::kTraitMethod: return "trait_method";
    case ItemKind::kStruct: return "struct";
    case ItemKind::kEnum: return "enum";
    case ItemKind::kUnion: return "union";
    case ItemKind::kTrait: return "trait";
    case ItemKind::kType: return "type";
    case ItemKind::kConst: return "const";
    case ItemKind::kStatic: return "static";
    case ItemKind::kMod: return "mod";
    case ItemKind::kMacroRules: return "macro_rules";
  }
  return "?";
}

uint64_t ContentHash(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

FileFacts ExtractFacts(std::string_view path, std::string_view bytes,
                       const ExtractOptions& options) {
  // The token buffers are reused across calls on the same thread.
  thread_local rust::LexResult lex;
  FileFacts facts;
  facts.file = std::string(path);
  facts.content_hash = ContentHash(bytes);
  rust::Lex(bytes, lex);
  facts.lines = lex.lines;
  for (const auto& d : lex.diagnostics) {
    uint32_t col = 1;
    for (size_t p = d.offset; p > 0 && bytes[p - 1] != '\n'; --p) ++col;
    facts.errors.push_back({d.line, col, d.message});
  }
  rust::Parser parser(bytes, lex, options, facts);
  parser.Run();
  // Keep shrinking the thread-local buffers after pathological inputs.
  if (lex.tokens.capacity() > (1u << 22)) lex = rust::LexResult();
  return facts;
}

namespace rust {

Parser::Parser(std::string_view src, const LexResult& lex,
               const ExtractOptions& opt, FileFacts& out)
    : src_(src), toks_(lex.tokens), match_(lex.match), opt_(opt), out_(out) {}

void Parser::Run() {
  ParseItems(0, toks_.size() - 1, Scope::kModule);
  HashTexts();
}

void Parser::HashTexts() {
  auto hash = [&](size_t first, uint32_t end_line) -> uint64_t {
    if (first >= toks_.size()) return 0;
    // Through the last token of its last line (tokens are in line order).
    const auto after = std::upper_bound(
        toks_.begin() + static_cast<std::ptrdiff_t>(first), toks_.end(),
        end_line, [](uint32_t l, const Token& t) { return l < t.line; });
    const size_t last = std::max<size_t>(
        first, static_cast<size_t>(after - toks_.begin()) - 1);
    const size_t begin = T(first).offset;
    const size_t end = std::max(begin, size_t{T(last).offset} + T(last).len);
    const uint64_t h = XXH3_64bits(src_.data() + begin, end - begin);
    return h == 0 ? 1 : h;  // (0 is "unknown")
  };
  for (size_t i = 0; i < out_.items.size() && i < item_first_.size(); ++i)
    out_.items[i].text_hash = hash(item_first_[i], out_.items[i].end_line);
  for (size_t i = 0; i < out_.impls.size() && i < impl_first_.size(); ++i)
    out_.impls[i].text_hash = hash(impl_first_[i], out_.impls[i].end_line);
}

std::string_view Parser::Name(size_t i) const {
  std::string_view t = Text(i);
  if (t.size() > 2 && t[0] == 'r' && t[1] == '#') t.remove_prefix(2);
  return t;
}

size_t Parser::SkipAngle(size_t i, size_t end) const {
  // At `<`. Counts angle depth; delimiter groups are skipped whole, so a
  // `>` inside `(..)` or `{..}` never closes. `->` is its own token.
  int depth = 0;
  while (i < end) {
    Tok k = K(i);
    if (k == Tok::kLt) {
      ++depth;
    } else if (k == Tok::kGt) {
      if (--depth == 0) return i + 1;
    } else if (k == Tok::kLBrace && depth > 0 &&
               (K(i - 1) == Tok::kLt || K(i - 1) == Tok::kComma ||
                K(i - 1) == Tok::kEq) &&
               After(i) < end &&
               (K(After(i)) == Tok::kGt || K(After(i)) == Tok::kComma)) {
      i = After(i);  // a const generic argument `{ N + 1 }`
      continue;
    } else if (k == Tok::kSemi || k == Tok::kLBrace || k == Tok::kRParen ||
               k == Tok::kRBracket || k == Tok::kRBrace) {
      return i;
    } else if (k == Tok::kLParen || k == Tok::kLBracket) {
      i = After(i);
      continue;
    }
    ++i;
  }
  return i;
}

uint32_t Parser::Col(size_t i) const {
  uint32_t col = 1;
  for (size_t p = T(i).offset; p > 0 && src_[p - 1] != '\n'; --p) ++col;
  return col;
}

void Parser::Error(size_t i, std::string message) {
  if (macro_depth_ > 0) return;  // a macro may give tokens any meaning
  out_.errors.push_back({T(i).line, Col(i), std::move(message)});
}

}  // namespace rust
}  // namespace aim

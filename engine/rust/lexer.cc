#include "engine/rust/lexer.h"

#include <cstring>
#include <limits>

namespace aim::rust {
namespace {

// Byte classes for the hot loop.
enum : uint8_t { kOther = 0, kSpace = 1, kIdStart = 2, kDigit = 4 };

constexpr auto MakeClassTable() {
  struct Table {
    uint8_t v[256] = {};
  } t;
  for (int c = 0; c < 256; ++c) {
    uint8_t k = kOther;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
        c == '\f')
      k = kSpace;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
             c >= 0x80)
      k = kIdStart;  // non-ASCII: treated as XID (validated separately)
    else if (c >= '0' && c <= '9')
      k = kDigit;
    t.v[c] = k;
  }
  return t;
}
constexpr auto kClass = MakeClassTable();

inline bool IsIdStart(unsigned char c) { return kClass.v[c] == kIdStart; }
inline bool IsIdContinue(unsigned char c) {
  return kClass.v[c] == kIdStart || kClass.v[c] == kDigit;
}

// Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid.
size_t Utf8SeqLen(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t n;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < n) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

class Lexer {
 public:
  Lexer(std::string_view src, LexResult& out)
      : b_(reinterpret_cast<const unsigned char*>(src.data())),
        n_(src.size()),
        out_(out) {}

  void Run();

 private:
  void Report(size_t offset, uint32_t line, const char* message) {
    out_.diagnostics.push_back(
        {static_cast<uint32_t>(offset), line, std::string(message)});
  }
  void CheckUtf8();
  void SkipBlockComment();
  void Emit(Tok kind, size_t start, size_t len, uint32_t line) {
    if (!out_.tokens.empty()) out_.tokens.back().joint = !gap_;
    gap_ = false;
    Token t;
    t.kind = kind;
    t.offset = static_cast<uint32_t>(start);
    t.len = static_cast<uint32_t>(len);
    t.line = line;
    out_.tokens.push_back(t);
  }
  // Scans a quoted body ending at `quote` (escapes honoured), starting
  // after the opening quote. Returns false if unterminated.
  bool ScanQuoted(unsigned char quote);
  // Scans `#*"...."#*` after the `r` (or `br`, `cr`). Returns false if it is
  // not a raw string opener (pos_ unchanged) .
  bool ScanRawString(size_t start, uint32_t line);
  void ScanNumber();
  void ScanSuffix() {
    if (pos_ < n_ && IsIdStart(b_[pos_]))
      while (pos_ < n_ && IsIdContinue(b_[pos_])) ++pos_;
  }
  void ScanPunct(size_t start, uint32_t line);
  void MatchDelimiters();

  const unsigned char* b_;
  size_t n_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  bool gap_ = true;  // whitespace or a comment since the last token
  LexResult& out_;
};

void Lexer::CheckUtf8() {
  size_t i = 0;
  uint32_t line = 1;
  int reported = 0;
  while (i < n_) {
    unsigned char c = b_[i];
    if (c < 0x80) {
      if (c == '\n') ++line;
      ++i;
      continue;
    }
    size_t len = Utf8SeqLen(b_ + i, b_ + n_);
    if (len == 0) {
      if (reported++ == 0) Report(i, line, "invalid UTF-8");
      ++i;
    } else {
      i += len;
    }
  }
}

void Lexer::SkipBlockComment() {
  // At "/*". Nested comments count depth; newlines advance the line.
  size_t start = pos_;
  uint32_t start_line = line_;
  pos_ += 2;
  size_t depth = 1;
  while (pos_ < n_) {
    unsigned char c = b_[pos_];
    if (c == '\n') {
      ++line_;
      ++pos_;
    } else if (c == '*' && pos_ + 1 < n_ && b_[pos_ + 1] == '/') {
      pos_ += 2;
      if (--depth == 0) return;
    } else if (c == '/' && pos_ + 1 < n_ && b_[pos_ + 1] == '*') {
      pos_ += 2;
      ++depth;
    } else {
      ++pos_;
    }
  }
  Report(start, start_line, "unterminated block comment");
}

bool Lexer::ScanQuoted(unsigned char quote) {
  while (pos_ < n_) {
    unsigned char c = b_[pos_];
    if (c == quote) {
      ++pos_;
      return true;
    }
    if (c == '\\') {
      ++pos_;
      if (pos_ < n_) {
        if (b_[pos_] == '\n') ++line_;
        ++pos_;
      }
      continue;
    }
    if (c == '\n') ++line_;
    ++pos_;
  }
  return false;
}

bool Lexer::ScanRawString(size_t start, uint32_t line) {
  size_t p = pos_;
  size_t hashes = 0;
  while (p < n_ && b_[p] == '#') ++hashes, ++p;
  if (p >= n_ || b_[p] != '"') return false;
  ++p;
  while (p < n_) {
    unsigned char c = b_[p];
    if (c == '\n') ++line_;
    ++p;
    if (c == '"') {
      size_t h = 0;
      while (h < hashes && p + h < n_ && b_[p + h] == '#') ++h;
      if (h == hashes) {
        pos_ = p + h;
        ScanSuffix();
        Emit(Tok::kLiteral, start, pos_ - start, line);
        return true;
      }
    }
  }
  pos_ = n_;
  Report(start, line, "unterminated raw string");
  Emit(Tok::kLiteral, start, pos_ - start, line);
  return true;
}

void Lexer::ScanNumber() {
  // At a digit.
  if (b_[pos_] == '0' && pos_ + 1 < n_ &&
      (b_[pos_ + 1] == 'x' || b_[pos_ + 1] == 'o' || b_[pos_ + 1] == 'b')) {
    bool hex = b_[pos_ + 1] == 'x';
    pos_ += 2;
    while (pos_ < n_ && (IsIdContinue(b_[pos_]))) {
      // Hex digits include a-f; the suffix (i32, u8) is ident chars too, so
      // one loop covers digits, underscores and suffix alike.
      (void)hex;
      ++pos_;
    }
    return;
  }
  auto digits = [&] {
    while (pos_ < n_ && (kClass.v[b_[pos_]] == kDigit || b_[pos_] == '_'))
      ++pos_;
  };
  digits();
  if (pos_ + 1 < n_ && b_[pos_] == '.' && kClass.v[b_[pos_ + 1]] == kDigit) {
    ++pos_;
    digits();
  } else if (pos_ < n_ && b_[pos_] == '.' &&
             (pos_ + 1 >= n_ ||
              (b_[pos_ + 1] != '.' && !IsIdStart(b_[pos_ + 1])))) {
    ++pos_;  // `1.` is a float
    return;
  }
  if (pos_ < n_ && (b_[pos_] == 'e' || b_[pos_] == 'E')) {
    size_t p = pos_ + 1;
    if (p < n_ && (b_[p] == '+' || b_[p] == '-')) ++p;
    while (p < n_ && b_[p] == '_') ++p;
    if (p < n_ && kClass.v[b_[p]] == kDigit) {
      pos_ = p;
      digits();
    }
  }
  ScanSuffix();
}

void Lexer::ScanPunct(size_t start, uint32_t line) {
  unsigned char c = b_[pos_];
  unsigned char d = pos_ + 1 < n_ ? b_[pos_ + 1] : 0;
  unsigned char e = pos_ + 2 < n_ ? b_[pos_ + 2] : 0;
  Tok k = Tok::kUnknown;
  size_t len = 1;
  switch (c) {
    case '(': k = Tok::kLParen; break;
    case ')': k = Tok::kRParen; break;
    case '[': k = Tok::kLBracket; break;
    case ']': k = Tok::kRBracket; break;
    case '{': k = Tok::kLBrace; break;
    case '}': k = Tok::kRBrace; break;
    case ';': k = Tok::kSemi; break;
    case ',': k = Tok::kComma; break;
    case '#': k = Tok::kPound; break;
    case '?': k = Tok::kQuestion; break;
    case '@': k = Tok::kAt; break;
    case '$': k = Tok::kDollar; break;
    case '~': k = Tok::kTilde; break;
    case '<':
    case '>':
      // Never combined: `<<`, `>=` etc. come out as joint single tokens.
      k = c == '<' ? Tok::kLt : Tok::kGt;
      break;
    case ':':
      if (d == ':') k = Tok::kPathSep, len = 2;
      else k = Tok::kColon;
      break;
    case '.':
      if (d == '.') {
        if (e == '.') k = Tok::kDotDotDot, len = 3;
        else if (e == '=') k = Tok::kDotDotEq, len = 3;
        else k = Tok::kDotDot, len = 2;
      } else {
        k = Tok::kDot;
      }
      break;
    case '=':
      if (d == '=') k = Tok::kEqEq, len = 2;
      else if (d == '>') k = Tok::kFatArrow, len = 2;
      else k = Tok::kEq;
      break;
    case '!':
      if (d == '=') k = Tok::kNe, len = 2;
      else k = Tok::kNot;
      break;
    case '-':
      if (d == '>') k = Tok::kArrow, len = 2;
      else if (d == '=') k = Tok::kCompoundAssign, len = 2;
      else k = Tok::kMinus;
      break;
    case '&':
      if (d == '&') k = Tok::kAndAnd, len = 2;
      else if (d == '=') k = Tok::kCompoundAssign, len = 2;
      else k = Tok::kAnd;
      break;
    case '|':
      if (d == '|') k = Tok::kOrOr, len = 2;
      else if (d == '=') k = Tok::kCompoundAssign, len = 2;
      else k = Tok::kOr;
      break;
    case '+': case '*': case '/': case '%': case '^':
      if (d == '=') {
        k = Tok::kCompoundAssign, len = 2;
      } else {
        k = c == '+'   ? Tok::kPlus
            : c == '*' ? Tok::kStar
            : c == '/' ? Tok::kSlash
            : c == '%' ? Tok::kPercent
                       : Tok::kCaret;
      }
      break;
    default:
      break;
  }
  if (k == Tok::kUnknown) {
    // Skip the whole (possibly multi-byte) character.
    size_t seq = Utf8SeqLen(b_ + pos_, b_ + n_);
    len = seq == 0 ? 1 : seq;
    Report(start, line, "unexpected character");
  }
  pos_ += len;
  Emit(k, start, len, line);
}

void Lexer::Run() {
  out_.tokens.clear();
  out_.match.clear();
  out_.diagnostics.clear();
  out_.lines = 0;
  if (n_ >= std::numeric_limits<uint32_t>::max()) {
    Report(0, 1, "file too large (4 GiB or more)");
    Emit(Tok::kEof, 0, 0, 1);
    out_.match.assign(1, 0);
    return;
  }
  out_.tokens.reserve(n_ / 4 + 16);
  CheckUtf8();

  // Byte-order mark, then a shebang line (`#!` not starting `#![`).
  if (n_ >= 3 && b_[0] == 0xEF && b_[1] == 0xBB && b_[2] == 0xBF) pos_ = 3;
  if (pos_ + 1 < n_ && b_[pos_] == '#' && b_[pos_ + 1] == '!') {
    size_t p = pos_ + 2;
    while (p < n_ && (b_[p] == ' ' || b_[p] == '\t')) ++p;
    if (p >= n_ || b_[p] != '[') {
      while (pos_ < n_ && b_[pos_] != '\n') ++pos_;
    }
  }

  while (pos_ < n_) {
    unsigned char c = b_[pos_];
    if (kClass.v[c] == kSpace) {
      if (c == '\n') ++line_;
      ++pos_;
      gap_ = true;
      continue;
    }
    size_t start = pos_;
    uint32_t line = line_;
    if (c == '/' && pos_ + 1 < n_ && b_[pos_ + 1] == '/') {
      while (pos_ < n_ && b_[pos_] != '\n') ++pos_;
      gap_ = true;
      continue;
    }
    if (c == '/' && pos_ + 1 < n_ && b_[pos_ + 1] == '*') {
      SkipBlockComment();
      gap_ = true;
      continue;
    }

    if (IsIdStart(c)) {
      // Literal prefixes: b" b' br" r" r#" c" cr" ; raw identifiers r#x.
      unsigned char d = pos_ + 1 < n_ ? b_[pos_ + 1] : 0;
      if (c == 'r' && (d == '"' || d == '#')) {
        pos_ += 1;
        if (ScanRawString(start, line)) continue;
        // r#ident
        if (d == '#' && pos_ + 1 < n_ && IsIdStart(b_[pos_ + 1])) {
          pos_ += 1;
          while (pos_ < n_ && IsIdContinue(b_[pos_])) ++pos_;
          Emit(Tok::kIdent, start, pos_ - start, line);
          continue;
        }
        pos_ = start;
      } else if ((c == 'b' || c == 'c') && d == 'r' && pos_ + 2 < n_ &&
                 (b_[pos_ + 2] == '"' || b_[pos_ + 2] == '#')) {
        pos_ += 2;
        if (ScanRawString(start, line)) continue;
        pos_ = start;
      } else if ((c == 'b' || c == 'c') && d == '"') {
        pos_ += 2;
        if (!ScanQuoted('"')) Report(start, line, "unterminated string");
        ScanSuffix();
        Emit(Tok::kLiteral, start, pos_ - start, line);
        continue;
      } else if (c == 'b' && d == '\'') {
        pos_ += 2;
        if (!ScanQuoted('\'')) Report(start, line, "unterminated byte literal");
        ScanSuffix();
        Emit(Tok::kLiteral, start, pos_ - start, line);
        continue;
      }
      ++pos_;
      while (pos_ < n_ && IsIdContinue(b_[pos_])) ++pos_;
      std::string_view word(reinterpret_cast<const char*>(b_ + start),
                            pos_ - start);
      Emit(KeywordKind(word), start, pos_ - start, line);
      continue;
    }
    if (kClass.v[c] == kDigit) {
      ScanNumber();
      Emit(Tok::kLiteral, start, pos_ - start, line);
      continue;
    }
    if (c == '"') {
      ++pos_;
      if (!ScanQuoted('"')) Report(start, line, "unterminated string");
      ScanSuffix();
      Emit(Tok::kLiteral, start, pos_ - start, line);
      continue;
    }
    if (c == '\'') {
      // Char literal or lifetime/label.
      size_t p = pos_ + 1;
      if (p < n_ && b_[p] == '\\') {
        ++pos_;
        if (!ScanQuoted('\'')) Report(start, line, "unterminated char literal");
        ScanSuffix();
        Emit(Tok::kLiteral, start, pos_ - start, line);
        continue;
      }
      if (p < n_) {
        size_t seq = Utf8SeqLen(b_ + p, b_ + n_);
        if (seq == 0) seq = 1;
        if (p + seq < n_ && b_[p + seq] == '\'' && b_[p] != '\n') {
          pos_ = p + seq + 1;  // 'x'
          ScanSuffix();
          Emit(Tok::kLiteral, start, pos_ - start, line);
          continue;
        }
        if (IsIdStart(b_[p])) {
          pos_ = p;
          if (b_[p] == 'r' && p + 2 < n_ && b_[p + 1] == '#' &&
              IsIdStart(b_[p + 2]))
            pos_ += 2;  // 'r#raw_lifetime
          while (pos_ < n_ && IsIdContinue(b_[pos_])) ++pos_;
          Emit(Tok::kLifetime, start, pos_ - start, line);
          continue;
        }
      }
      ++pos_;
      Report(start, line, "stray `'`");
      Emit(Tok::kUnknown, start, 1, line);
      continue;
    }
    ScanPunct(start, line);
  }
  gap_ = true;
  out_.lines = n_ == 0 ? 0 : line_ - (b_[n_ - 1] == '\n' ? 1 : 0);
  Emit(Tok::kEof, n_, 0, line_);
  MatchDelimiters();
}

void Lexer::MatchDelimiters() {
  auto& toks = out_.tokens;
  out_.match.assign(toks.size(), 0);
  std::vector<uint32_t> stack;
  stack.reserve(64);
  auto closer_for = [](Tok open) {
    return open == Tok::kLParen     ? Tok::kRParen
           : open == Tok::kLBracket ? Tok::kRBracket
                                    : Tok::kRBrace;
  };
  for (uint32_t i = 0; i < toks.size(); ++i) {
    const Token& t = toks[i];
    if (t.IsOpen()) {
      stack.push_back(i);
    } else if (t.IsClose()) {
      // Find the innermost opener this closes; openers above it were never
      // closed and are forced closed here.
      size_t k = stack.size();
      while (k > 0 && closer_for(toks[stack[k - 1]].kind) != t.kind) --k;
      if (k == 0) {
        Report(t.offset, t.line, "unmatched closing delimiter");
        continue;
      }
      if (k != stack.size())
        Report(toks[stack.back()].offset, toks[stack.back()].line,
               "unclosed delimiter");
      while (stack.size() >= k) {
        out_.match[stack.back()] = i;
        stack.pop_back();
      }
    } else if (t.kind == Tok::kEof) {
      if (!stack.empty())
        Report(toks[stack.back()].offset, toks[stack.back()].line,
               "unclosed delimiter at end of file");
      for (uint32_t s : stack) out_.match[s] = i;
      stack.clear();
    }
  }
}

}  // namespace

Tok KeywordKind(std::string_view w) {
  // Dispatch on length and first letter; then one comparison.
  auto is = [&](const char* kw) { return w == kw; };
  switch (w.size()) {
    case 2:
      if (is("as")) return Tok::kAs;
      if (is("fn")) return Tok::kFn;
      if (is("if")) return Tok::kIf;
      if (is("in")) return Tok::kIn;
      break;
    case 3:
      switch (w[0]) {
        case 'd': if (is("dyn")) return Tok::kDyn; break;
        case 'f': if (is("for")) return Tok::kFor; break;
        case 'l': if (is("let")) return Tok::kLet; break;
        case 'm': if (is("mod")) return Tok::kMod; if (is("mut")) return Tok::kMut; break;
        case 'p': if (is("pub")) return Tok::kPub; break;
        case 'r': if (is("ref")) return Tok::kRef; break;
        case 'u': if (is("use")) return Tok::kUse; break;
      }
      break;
    case 4:
      switch (w[0]) {
        case 'e': if (is("else")) return Tok::kElse; if (is("enum")) return Tok::kEnum; break;
        case 'i': if (is("impl")) return Tok::kImpl; break;
        case 'l': if (is("loop")) return Tok::kLoop; break;
        case 'm': if (is("move")) return Tok::kMove; break;
        case 's': if (is("self")) return Tok::kSelfValue; break;
        case 'S': if (is("Self")) return Tok::kSelfType; break;
        case 't': if (is("true")) return Tok::kTrue; if (is("type")) return Tok::kType; break;
      }
      break;
    case 5:
      switch (w[0]) {
        case 'a': if (is("async")) return Tok::kAsync; if (is("await")) return Tok::kAwait; break;
        case 'b': if (is("break")) return Tok::kBreak; break;
        case 'c': if (is("const")) return Tok::kConst; if (is("crate")) return Tok::kCrate; break;
        case 'f': if (is("false")) return Tok::kFalse; break;
        case 'm': if (is("match")) return Tok::kMatch; break;
        case 's': if (is("super")) return Tok::kSuper; break;
        case 't': if (is("trait")) return Tok::kTrait; break;
        case 'w': if (is("where")) return Tok::kWhere; if (is("while")) return Tok::kWhile; break;
      }
      break;
    case 6:
      switch (w[0]) {
        case 'e': if (is("extern")) return Tok::kExtern; break;
        case 'r': if (is("return")) return Tok::kReturn; break;
        case 's': if (is("static")) return Tok::kStatic; if (is("struct")) return Tok::kStruct; break;
        case 'u': if (is("unsafe")) return Tok::kUnsafe; break;
      }
      break;
    case 8:
      if (is("continue")) return Tok::kContinue;
      break;
  }
  return Tok::kIdent;
}

void Lex(std::string_view src, LexResult& out) { Lexer(src, out).Run(); }

}  // namespace aim::rust

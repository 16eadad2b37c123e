// Random FileFacts with every field set, and a field-by-field comparison
// that names the first difference. Shared by the model and recovery tests.
#ifndef AIM_TESTS_MODEL_FACTS_TESTING_H_
#define AIM_TESTS_MODEL_FACTS_TESTING_H_

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "aim/facts.h"

namespace aim::testing {

// std::tie over every field; the structured bindings stop compiling when a
// field is added to aim/facts.h, so the comparison cannot silently skip it.
inline auto Tie(const Item& x) {
  const auto& [a, b, c, d, e, f, g, h, i, j, k, l, m] = x;
  return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m);
}
inline auto Tie(const Impl& x) {
  const auto& [a, b, c, d, e, f, g, h, i, j, k, l, m, n] = x;
  return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m, n);
}
inline auto Tie(const Call& x) {
  const auto& [a, b, c, d, e, f, g, h, i] = x;
  return std::tie(a, b, c, d, e, f, g, h, i);
}
inline auto Tie(const Import& x) {
  const auto& [a, b, c, d, e, f, g, h] = x;
  return std::tie(a, b, c, d, e, f, g, h);
}
inline auto Tie(const TypeUse& x) {
  const auto& [a, b, c, d, e] = x;
  return std::tie(a, b, c, d, e);
}
inline auto Tie(const MacroCall& x) {
  const auto& [a, b, c, d] = x;
  return std::tie(a, b, c, d);
}
inline auto Tie(const Diagnostic& x) {
  const auto& [a, b, c] = x;
  return std::tie(a, b, c);
}

template <typename T>
std::string VectorDiff(const char* what, const std::vector<T>& a,
                       const std::vector<T>& b) {
  if (a.size() != b.size())
    return std::string(what) + ": size " + std::to_string(a.size()) + " vs " +
           std::to_string(b.size());
  for (size_t i = 0; i < a.size(); ++i)
    if (Tie(a[i]) != Tie(b[i]))
      return std::string(what) + "[" + std::to_string(i) + "] differs";
  return "";
}

// "" if a and b are equal in every field, else the first difference.
inline std::string FactsDiff(const FileFacts& a, const FileFacts& b) {
  const auto& [file, hash, lines, items, impls, calls, imports, type_uses,
               macro_calls, errors] = a;
  if (file != b.file) return "file: '" + file + "' vs '" + b.file + "'";
  if (hash != b.content_hash) return "content_hash";
  if (lines != b.lines) return "lines";
  for (std::string d :
       {VectorDiff("items", items, b.items), VectorDiff("impls", impls, b.impls),
        VectorDiff("calls", calls, b.calls),
        VectorDiff("imports", imports, b.imports),
        VectorDiff("type_uses", type_uses, b.type_uses),
        VectorDiff("macro_calls", macro_calls, b.macro_calls),
        VectorDiff("errors", errors, b.errors)})
    if (!d.empty()) return d;
  return "";
}

// Random facts. Strings mix ASCII, multi-byte UTF-8, NUL and invalid UTF-8
// bytes, and lengths that need multi-byte varints; integers cover their
// whole range; index fields hold valid values (-1 or in range, an item's
// parent before it), as the decoder requires.
class FactsGen {
 public:
  explicit FactsGen(uint64_t seed) : rng_(seed) {}

  uint64_t U64() { return rng_(); }
  uint32_t U32() {
    switch (rng_() % 4) {
      case 0: return static_cast<uint32_t>(rng_() % 100);
      case 1: return UINT32_MAX;
      default: return static_cast<uint32_t>(rng_());
    }
  }
  bool Bool() { return rng_() & 1; }
  size_t Below(size_t n) { return n == 0 ? 0 : rng_() % n; }
  int32_t IndexBelow(size_t n) {  // -1 or [0, n)
    if (n == 0 || rng_() % 4 == 0) return -1;
    return static_cast<int32_t>(rng_() % n);
  }
  std::string Str() {
    static const char* const kPieces[] = {
        "a", "fn", "::", "Vec<T>", "é", "日本語", "🦀", "Ω≈ç", "<NUL>",
        "\xff\xfe", " ", "pub(crate)", "\n"};
    std::string s;
    size_t n = rng_() % 8 == 0 ? 200 + rng_() % 300 : rng_() % 6;
    for (size_t i = 0; i < n; ++i) {
      size_t k = rng_() % 13;
      if (k == 8)
        s.push_back('\0');  // kPieces[8] stands for a NUL byte
      else
        s += kPieces[k];
    }
    return s;
  }

  FileFacts Facts(size_t max_n = 8) {
    FileFacts f;
    f.file = Str();
    f.content_hash = U64();
    f.lines = U32();
    size_t n_items = Below(max_n + 1), n_impls = Below(max_n + 1);
    for (size_t i = 0; i < n_items; ++i) {
      Item& x = f.items.emplace_back();
      x.kind = static_cast<ItemKind>(rng_() % kItemKindCount);
      x.name = Str();
      x.path = Str();
      x.line = U32();
      x.end_line = U32();
      x.vis = Str();
      x.sig = Str();
      x.cfg = Str();
      x.test = Bool();
      x.in_macro = Bool();
      x.parent = IndexBelow(i);
      x.impl = IndexBelow(n_impls);
      x.text_hash = U64();
    }
    for (size_t i = 0; i < n_impls; ++i) {
      Impl& x = f.impls.emplace_back();
      x.trait_name = Str();
      x.trait_path = Str();
      x.self_type = Str();
      x.type_path = Str();
      x.scope = Str();
      x.sig = Str();
      x.line = U32();
      x.end_line = U32();
      x.derive = Bool();
      x.negative = Bool();
      x.blanket = Bool();
      x.in_macro = Bool();
      x.parent = IndexBelow(n_items);
      x.text_hash = U64();
    }
    for (size_t i = Below(max_n + 1); i > 0; --i) {
      Call& x = f.calls.emplace_back();
      x.caller = Str();
      x.callee = Str();
      x.qualifier = Str();
      x.line = U32();
      x.method = Bool();
      x.has_qualifier = Bool();
      x.in_macro = Bool();
      x.caller_item = IndexBelow(n_items);
      x.on_self = x.method && Bool();
    }
    for (size_t i = Below(max_n + 1); i > 0; --i) {
      Import& x = f.imports.emplace_back();
      x.path = Str();
      x.alias = Str();
      x.scope = Str();
      x.vis = Str();
      x.line = U32();
      x.glob = Bool();
      x.in_macro = Bool();
      x.scope_item = IndexBelow(n_items);
    }
    for (size_t i = Below(max_n + 1); i > 0; --i) {
      TypeUse& x = f.type_uses.emplace_back();
      x.from = Str();
      x.type = Str();
      x.line = U32();
      x.in_macro = Bool();
      x.from_item = IndexBelow(n_items);
    }
    for (size_t i = Below(max_n + 1); i > 0; --i) {
      MacroCall& x = f.macro_calls.emplace_back();
      x.caller = Str();
      x.name = Str();
      x.line = U32();
      x.in_macro = Bool();
    }
    for (size_t i = Below(max_n + 1); i > 0; --i) {
      Diagnostic& x = f.errors.emplace_back();
      x.line = U32();
      x.col = U32();
      x.message = Str();
    }
    return f;
  }

 private:
  std::mt19937_64 rng_;
};

// Facts in which every field of every kind of fact holds a non-default
// value (one fact of each kind, booleans true, indices >= 0).
inline FileFacts FullFacts() {
  FileFacts f;
  f.file = "src/ünïcödé/日本.rs";
  f.content_hash = 0xfedcba9876543210ull;
  f.lines = 4000000000u;
  f.items.push_back({ItemKind::kMacroRules, "m", "a::m", 7, 9, "pub(in a::b)",
                     "macro_rules! m", "cfg(unix) && cfg(test)", true, true,
                     -1, -1});
  f.items.push_back({ItemKind::kTraitMethod, "f", "a::m::f", 70000, 70001,
                     "pub", "fn f(&self) -> 🦀", "cfg(x)", true, true, 0, 0});
  f.impls.push_back({"Display", "std::fmt::Display", "&'a T", "T", "a::m",
                     "impl<T> Display for &'a T", 3, 4, true, true, true, true,
                     1});
  f.calls.push_back({"a::m::f", "g", "h::i", 5, true, true, true, 1});
  f.imports.push_back({"std::fmt::*", "_", "a", "pub", 6, true, true, 0});
  f.type_uses.push_back({"a::m::f", "Vec", 8, true, 1});
  f.macro_calls.push_back({"a::m::f", "println", 9, true});
  f.errors.push_back({10, 11, std::string("expected `;`\0 here", 18)});
  return f;
}

}  // namespace aim::testing

#endif  // AIM_TESTS_MODEL_FACTS_TESTING_H_

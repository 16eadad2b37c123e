#include "engine/model/facts_codec.h"

#include <string>
#include <utility>

namespace aim::model {
namespace {

using coding::PutFixed64;
using coding::PutIndex;
using coding::PutString;
using coding::PutVarint32;
using coding::PutVarint64;
using coding::Reader;

// The structured bindings below name every field of each fact: adding a
// field to aim/facts.h breaks the build here until the codec handles it.

// Fewest bytes one encoded element can take (bounds counts on decode).
constexpr size_t kMinItem = 11, kMinImpl = 10, kMinCall = 6, kMinImport = 7,
                 kMinTypeUse = 5, kMinMacroCall = 4, kMinDiagnostic = 3;

uint8_t Flags(bool b0, bool b1 = false, bool b2 = false, bool b3 = false) {
  return static_cast<uint8_t>(b0 | (b1 << 1) | (b2 << 2) | (b3 << 3));
}

void Put(std::string* out, const Item& x) {
  // (text_hash: a column after all the facts, from format 2.)
  const auto& [kind, name, path, line, end_line, vis, sig, cfg, test,
               in_macro, parent, impl, text_hash] = x;
  out->push_back(static_cast<char>(kind));
  PutString(out, name);
  PutString(out, path);
  PutVarint32(out, line);
  PutVarint32(out, end_line);
  PutString(out, vis);
  PutString(out, sig);
  PutString(out, cfg);
  out->push_back(static_cast<char>(Flags(test, in_macro)));
  PutIndex(out, parent);
  PutIndex(out, impl);
}

void Put(std::string* out, const Impl& x) {
  const auto& [trait_name, trait_path, self_type, type_path, scope, sig, line,
               end_line, derive, negative, blanket, in_macro, parent,
               text_hash] = x;
  PutString(out, trait_name);
  PutString(out, trait_path);
  PutString(out, self_type);
  PutString(out, type_path);
  PutString(out, scope);
  PutString(out, sig);
  PutVarint32(out, line);
  PutVarint32(out, end_line);
  out->push_back(static_cast<char>(Flags(derive, negative, blanket, in_macro)));
  PutIndex(out, parent);
}

void Put(std::string* out, const Call& x) {
  const auto& [caller, callee, qualifier, line, method, has_qualifier,
               in_macro, caller_item, on_self] = x;
  PutString(out, caller);
  PutString(out, callee);
  PutString(out, qualifier);
  PutVarint32(out, line);
  out->push_back(
      static_cast<char>(Flags(method, has_qualifier, in_macro, on_self)));
  PutIndex(out, caller_item);
}

void Put(std::string* out, const Import& x) {
  const auto& [path, alias, scope, vis, line, glob, in_macro, scope_item] = x;
  PutString(out, path);
  PutString(out, alias);
  PutString(out, scope);
  PutString(out, vis);
  PutVarint32(out, line);
  out->push_back(static_cast<char>(Flags(glob, in_macro)));
  PutIndex(out, scope_item);
}

void Put(std::string* out, const TypeUse& x) {
  const auto& [from, type, line, in_macro, from_item] = x;
  PutString(out, from);
  PutString(out, type);
  PutVarint32(out, line);
  out->push_back(static_cast<char>(Flags(in_macro)));
  PutIndex(out, from_item);
}

void Put(std::string* out, const MacroCall& x) {
  const auto& [caller, name, line, in_macro] = x;
  PutString(out, caller);
  PutString(out, name);
  PutVarint32(out, line);
  out->push_back(static_cast<char>(Flags(in_macro)));
}

void Put(std::string* out, const Diagnostic& x) {
  const auto& [line, col, message] = x;
  PutVarint32(out, line);
  PutVarint32(out, col);
  PutString(out, message);
}

template <typename T>
void PutAll(std::string* out, const std::vector<T>& v) {
  PutVarint64(out, v.size());
  for (const T& x : v) Put(out, x);
}

// Reads a flags byte with `n` defined bits; the others must be zero.
uint8_t GetFlags(Reader& r, int n) {
  uint8_t f = r.Byte("flags");
  if (r.ok() && (f >> n) != 0)
    r.Fail("flags", "unknown flag bits set in " + std::to_string(f));
  return f;
}
bool Bit(uint8_t f, int i) { return (f >> i) & 1; }

void Get(Reader& r, Item& x) {
  auto& [kind, name, path, line, end_line, vis, sig, cfg, test, in_macro,
         parent, impl, text_hash] = x;
  text_hash = 0;  // (ReadFileFacts reads the column)
  uint8_t k = r.Byte("kind");
  if (r.ok() && k >= kItemKindCount)
    r.Fail("kind", "unknown item kind " + std::to_string(k));
  kind = static_cast<ItemKind>(k);
  r.String(&name, "name");
  r.String(&path, "path");
  line = r.Varint32("line");
  end_line = r.Varint32("end_line");
  r.String(&vis, "vis");
  r.String(&sig, "sig");
  r.String(&cfg, "cfg");
  uint8_t f = GetFlags(r, 2);
  test = Bit(f, 0);
  in_macro = Bit(f, 1);
  parent = r.Index("parent");
  impl = r.Index("impl");
}

void Get(Reader& r, Impl& x) {
  auto& [trait_name, trait_path, self_type, type_path, scope, sig, line,
         end_line, derive, negative, blanket, in_macro, parent, text_hash] = x;
  text_hash = 0;  // (ReadFileFacts reads the column)
  r.String(&trait_name, "trait_name");
  r.String(&trait_path, "trait_path");
  r.String(&self_type, "self_type");
  r.String(&type_path, "type_path");
  r.String(&scope, "scope");
  r.String(&sig, "sig");
  line = r.Varint32("line");
  end_line = r.Varint32("end_line");
  uint8_t f = GetFlags(r, 4);
  derive = Bit(f, 0);
  negative = Bit(f, 1);
  blanket = Bit(f, 2);
  in_macro = Bit(f, 3);
  parent = r.Index("parent");
}

void Get(Reader& r, Call& x) {
  auto& [caller, callee, qualifier, line, method, has_qualifier, in_macro,
         caller_item, on_self] = x;
  r.String(&caller, "caller");
  r.String(&callee, "callee");
  r.String(&qualifier, "qualifier");
  line = r.Varint32("line");
  uint8_t f = GetFlags(r, 4);  // (bit 3 is newer: earlier records lack it)
  method = Bit(f, 0);
  has_qualifier = Bit(f, 1);
  in_macro = Bit(f, 2);
  on_self = Bit(f, 3);
  caller_item = r.Index("caller_item");
}

void Get(Reader& r, Import& x) {
  auto& [path, alias, scope, vis, line, glob, in_macro, scope_item] = x;
  r.String(&path, "path");
  r.String(&alias, "alias");
  r.String(&scope, "scope");
  r.String(&vis, "vis");
  line = r.Varint32("line");
  uint8_t f = GetFlags(r, 2);
  glob = Bit(f, 0);
  in_macro = Bit(f, 1);
  scope_item = r.Index("scope_item");
}

void Get(Reader& r, TypeUse& x) {
  auto& [from, type, line, in_macro, from_item] = x;
  r.String(&from, "from");
  r.String(&type, "type");
  line = r.Varint32("line");
  in_macro = Bit(GetFlags(r, 1), 0);
  from_item = r.Index("from_item");
}

void Get(Reader& r, MacroCall& x) {
  auto& [caller, name, line, in_macro] = x;
  r.String(&caller, "caller");
  r.String(&name, "name");
  line = r.Varint32("line");
  in_macro = Bit(GetFlags(r, 1), 0);
}

void Get(Reader& r, Diagnostic& x) {
  auto& [line, col, message] = x;
  line = r.Varint32("line");
  col = r.Varint32("col");
  r.String(&message, "message");
}

template <typename T>
void GetAll(Reader& r, size_t min_size, const char* what, std::vector<T>& v) {
  size_t n = r.Count(min_size, what);
  v.clear();
  v.reserve(n);
  for (size_t i = 0; i < n && r.ok(); ++i) {
    Get(r, v.emplace_back());
    if (!r.ok()) r.AddContext(std::string(what) + "[" + std::to_string(i) + "].");
  }
}

// An index field must be -1 or point into its vector (below `limit`).
void CheckIndex(Reader& r, size_t start, int32_t v, size_t limit,
                const char* what, size_t i, const char* field) {
  if (!r.ok() || (v >= -1 && (v < 0 || static_cast<size_t>(v) < limit)))
    return;
  r.Fail(absl::DataLossError(
      std::string(what) + "[" + std::to_string(i) + "]." + field + " = " +
      std::to_string(v) + " is out of range [-1, " + std::to_string(limit) +
      ") in the facts at byte " + std::to_string(start)));
}

void CheckIndices(Reader& r, size_t start, const FileFacts& f) {
  const size_t items = f.items.size(), impls = f.impls.size();
  for (size_t i = 0; i < items; ++i) {
    CheckIndex(r, start, f.items[i].parent, i, "items", i, "parent");
    CheckIndex(r, start, f.items[i].impl, impls, "items", i, "impl");
  }
  for (size_t i = 0; i < impls; ++i)
    CheckIndex(r, start, f.impls[i].parent, items, "impls", i, "parent");
  for (size_t i = 0; i < f.calls.size(); ++i)
    CheckIndex(r, start, f.calls[i].caller_item, items, "calls", i, "caller_item");
  for (size_t i = 0; i < f.imports.size(); ++i)
    CheckIndex(r, start, f.imports[i].scope_item, items, "imports", i, "scope_item");
  for (size_t i = 0; i < f.type_uses.size(); ++i)
    CheckIndex(r, start, f.type_uses[i].from_item, items, "type_uses", i, "from_item");
}

}  // namespace

void EncodeFileFacts(const FileFacts& facts, std::string* out) {
  const auto& [file, content_hash, lines, items, impls, calls, imports,
               type_uses, macro_calls, errors] = facts;
  out->push_back(static_cast<char>(kFactsFormat));
  PutString(out, file);
  PutFixed64(out, content_hash);
  PutVarint32(out, lines);
  PutAll(out, items);
  PutAll(out, impls);
  PutAll(out, calls);
  PutAll(out, imports);
  PutAll(out, type_uses);
  PutAll(out, macro_calls);
  PutAll(out, errors);
  for (const Item& x : items) PutFixed64(out, x.text_hash);
  for (const Impl& x : impls) PutFixed64(out, x.text_hash);
}

void ReadFileFacts(Reader& r, FileFacts* out) {
  size_t start = r.offset();
  uint8_t format = r.Byte("format");
  if (r.ok() && (format == 0 || format > kFactsFormat)) {
    if (format > kFactsFormat) {
      r.Fail(absl::FailedPreconditionError(
          "format " + std::to_string(format) + " at byte " +
          std::to_string(start) + " is newer than this build reads (" +
          std::to_string(kFactsFormat) + ")"));
    } else {
      r.Fail("format", "unknown format 0");
    }
  }
  auto& [file, content_hash, lines, items, impls, calls, imports, type_uses,
         macro_calls, errors] = *out;
  r.String(&file, "file");
  content_hash = r.Fixed64("content_hash");
  lines = r.Varint32("lines");
  GetAll(r, kMinItem, "items", items);
  GetAll(r, kMinImpl, "impls", impls);
  GetAll(r, kMinCall, "calls", calls);
  GetAll(r, kMinImport, "imports", imports);
  GetAll(r, kMinTypeUse, "type_uses", type_uses);
  GetAll(r, kMinMacroCall, "macro_calls", macro_calls);
  GetAll(r, kMinDiagnostic, "errors", errors);
  if (format >= 2) {
    for (Item& x : items) x.text_hash = r.Fixed64("items.text_hash");
    for (Impl& x : impls) x.text_hash = r.Fixed64("impls.text_hash");
  }
  CheckIndices(r, start, *out);
  r.AddContext("FileFacts: ");
}

absl::StatusOr<FileFacts> DecodeFileFacts(std::string_view* in) {
  Reader r(*in);
  FileFacts facts;
  ReadFileFacts(r, &facts);
  if (!r.ok()) return r.status();
  in->remove_prefix(r.offset());
  return facts;
}

}  // namespace aim::model

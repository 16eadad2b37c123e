#include "engine/model/strings.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>

namespace aim::model {

namespace {
constexpr size_t kBlock = 256 * 1024;
}

StringPool::StringPool() { Intern(""); }

uint32_t StringPool::Hash(std::string_view s) {
  return static_cast<uint32_t>(XXH3_64bits(s.data(), s.size()));
}

StrId StringPool::Find(std::string_view s, uint32_t hash) const {
  if (slots_.empty()) return kNoStr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint64_t v = slots_[i];
    if (v == 0) return kNoStr;  // the table is never full
    if (static_cast<uint32_t>(v >> 32) == hash) {
      const StrId id = static_cast<StrId>(v) - 1;
      if (views_[id] == s) return id;
    }
  }
}

StrId StringPool::Intern(std::string_view s) {
  const uint32_t hash = Hash(s);
  StrId id = Find(s, hash);
  if (id != kNoStr) return id;
  id = Append(s);
  Index(id, hash);
  return id;
}

void StringPool::InternMany(std::span<const std::string_view> in,
                            std::span<StrId> out) {
  const size_t n = in.size();
  // Room for all of them first: the table must not move while the lookups
  // below prefetch into it.
  if ((indexed_ + n) * 2 > slots_.size()) Grow((indexed_ + n) * 2);
  const size_t mask = slots_.size() - 1;
  std::vector<uint32_t>& hashes = batch_hashes_;
  hashes.resize(n);
  // 1. Each string's home slot.
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = Hash(in[i]);
    __builtin_prefetch(&slots_[hashes[i] & mask]);
  }
  // 2. The string of the first slot that files the same hash (almost
  // always the one that matches), then 3. its bytes.
  for (size_t i = 0; i < n; ++i) {
    out[i] = kNoStr;
    for (size_t s = hashes[i] & mask; slots_[s] != 0; s = (s + 1) & mask) {
      if (static_cast<uint32_t>(slots_[s] >> 32) != hashes[i]) continue;
      out[i] = static_cast<StrId>(slots_[s]) - 1;
      __builtin_prefetch(&views_[out[i]]);
      break;
    }
  }
  for (size_t i = 0; i < n; ++i)
    if (out[i] != kNoStr) __builtin_prefetch(views_[out[i]].data());
  // 4. In order, as Intern would (a string new to the pool may come twice).
  for (size_t i = 0; i < n; ++i) {
    StrId id = Find(in[i], hashes[i]);
    if (id == kNoStr) {
      id = Append(in[i]);
      Index(id, hashes[i]);
    }
    out[i] = id;
  }
}

size_t StringPool::TextBytes() const {
  return block_bytes_ +
         views_.capacity() * sizeof(std::string_view);
}

void StringPool::Reserve(size_t n) {
  views_.reserve(views_.size() + n);
  if ((indexed_ + n) * 2 > slots_.size()) Grow((indexed_ + n) * 2);
}

void StringPool::Grow(size_t min_slots) {
  size_t size = std::max<size_t>(16, slots_.size());
  while (size < min_slots) size *= 2;
  std::vector<uint64_t> old(size, 0);
  old.swap(slots_);
  const size_t mask = size - 1;
  for (uint64_t v : old) {
    if (v == 0) continue;
    size_t i = static_cast<uint32_t>(v >> 32) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = v;
  }
}

void StringPool::Index(StrId id, uint32_t hash) {
  if ((indexed_ + 1) * 2 > slots_.size()) Grow((indexed_ + 1) * 2);
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = uint64_t{hash} << 32 | (uint64_t{id} + 1);
  ++indexed_;
}

StrId StringPool::Append(std::string_view s) {
  if (!s.empty() && block_used_ + s.size() > block_size_) {
    size_t size = s.size() > kBlock ? s.size() : kBlock;
    blocks_.push_back(std::make_unique<char[]>(size));
    block_bytes_ += size;
    block_size_ = size;
    block_used_ = 0;
  }
  std::string_view stored;
  if (!s.empty()) {
    char* dst = blocks_.back().get() + block_used_;
    std::memcpy(dst, s.data(), s.size());
    block_used_ += s.size();
    bytes_ += s.size();
    stored = std::string_view(dst, s.size());
  }
  StrId id = static_cast<StrId>(views_.size());
  views_.push_back(stored);
  return id;
}

bool StringPool::AppendPacked(std::string_view bytes,
                              std::span<const uint32_t> lengths,
                              std::span<const uint8_t> indexed,
                              std::span<const uint32_t> hashes) {
  const char* base = nullptr;
  if (!bytes.empty()) {
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(bytes.size()));
    block_bytes_ += bytes.size();
    std::memcpy(blocks_.back().get(), bytes.data(), bytes.size());
    base = blocks_.back().get();
    // The block is full: the next Append starts a new one.
    block_size_ = block_used_ = bytes.size();
    bytes_ += bytes.size();
  }
  const StrId first = static_cast<StrId>(views_.size());
  views_.reserve(views_.size() + lengths.size());
  size_t at = 0;
  for (uint32_t len : lengths) {
    views_.emplace_back(len ? base + at : nullptr, len);
    at += len;
  }
  if ((indexed_ + hashes.size()) * 2 > slots_.size())
    Grow((indexed_ + hashes.size()) * 2);
  const size_t mask = slots_.size() - 1;
  size_t k = 0;
  for (size_t i = 0; i < lengths.size() && k < hashes.size(); ++i) {
    if (i / 8 >= indexed.size()) break;
    if (!((indexed[i / 8] >> (i % 8)) & 1)) continue;
    // The table is many megabytes: touch the home slot of a string a few
    // ahead while filing this one, so that their cache misses overlap.
    if (k + 8 < hashes.size())
      __builtin_prefetch(&slots_[hashes[k + 8] & mask]);
    const uint32_t hash = hashes[k++];
    size_t s = hash & mask, probe = 0;
    while (slots_[s] != 0) {
      // Hashes from a damaged or hostile image could pile up and make
      // filing quadratic.
      if (++probe > kMaxProbe) return false;
      s = (s + 1) & mask;
    }
    slots_[s] = uint64_t{hash} << 32 | (uint64_t{first} + i + 1);
    ++indexed_;
  }
  return true;
}

}  // namespace aim::model

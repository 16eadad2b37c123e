#include "engine/model/strings.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace aim::model {

namespace {

// The text range is made usable this much at a time (it takes memory only
// once written).
constexpr size_t kUsableStep = size_t{4} << 20;

}  // namespace

StringPool::StringPool() {
  // Address space only: nothing is committed or resident until used. Where
  // the address space is limited (ulimit -v), a smaller range will do.
  for (size_t want = kMaxTextBytes + 1; want >= kUsableStep; want /= 4) {
    void* p = mmap(nullptr, want, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      text_ = static_cast<char*>(p);
      reserved_ = std::min(want, kMaxTextBytes);
      break;
    }
  }
  if (text_ == nullptr) {
    std::fprintf(stderr, "aim: no address space for a string pool\n");
    std::abort();
  }
  Intern("");
}

StringPool::~StringPool() {
  munmap(text_, reserved_ == kMaxTextBytes ? reserved_ + 1 : reserved_);
}

char* StringPool::TextRoom(size_t n) {
  const size_t end = bytes() + n;
  if (end > reserved_) {
    std::fprintf(stderr,
                 "aim: the string pool is full (%zu bytes of text; it holds "
                 "at most %zu)\n",
                 bytes(), reserved_);
    std::abort();
  }
  if (end > usable_) {
    const size_t want =
        std::min(reserved_, (end + kUsableStep - 1) / kUsableStep * kUsableStep);
    if (mprotect(text_ + usable_, want - usable_, PROT_READ | PROT_WRITE) != 0) {
      std::fprintf(stderr, "aim: out of memory for string text (%zu bytes)\n",
                   want);
      std::abort();
    }
    usable_ = want;
  }
  return text_ + bytes();
}

uint32_t StringPool::Hash(std::string_view s) {
  return static_cast<uint32_t>(XXH3_64bits(s.data(), s.size()));
}

StrId StringPool::Find(std::string_view s, uint32_t hash) const {
  if (slots_.empty()) return kNoStr;
  for (size_t i = Home(hash);; i = Next(i)) {
    const uint64_t v = slots_[i];
    if (v == 0) return kNoStr;  // the table is never full
    if (static_cast<uint32_t>(v >> 32) == hash) {
      const StrId id = static_cast<StrId>(v) - 1;
      if (Get(id) == s) return id;
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
  MakeRoom(n);
  std::vector<uint32_t>& hashes = batch_hashes_;
  hashes.resize(n);
  // 1. Each string's home slot.
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = Hash(in[i]);
    __builtin_prefetch(&slots_[Home(hashes[i])]);
  }
  // 2. The string of the first slot that files the same hash (almost
  // always the one that matches), then 3. its bytes.
  for (size_t i = 0; i < n; ++i) {
    out[i] = kNoStr;
    for (size_t s = Home(hashes[i]); slots_[s] != 0; s = Next(s)) {
      if (static_cast<uint32_t>(slots_[s] >> 32) != hashes[i]) continue;
      out[i] = static_cast<StrId>(slots_[s]) - 1;
      __builtin_prefetch(&offsets_[out[i]]);
      break;
    }
  }
  for (size_t i = 0; i < n; ++i)
    if (out[i] != kNoStr) __builtin_prefetch(text_ + offsets_[out[i]]);
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

void StringPool::IndexStored(std::span<const StrId> ids) {
  MakeRoom(ids.size());
  for (StrId id : ids) {
    const std::string_view s = Get(id);
    const uint32_t hash = Hash(s);
    if (Find(s, hash) == kNoStr) Index(id, hash);
  }
}

void StringPool::Reserve(size_t n) {
  offsets_.reserve(offsets_.size() + n);
  MakeRoom(n);
}

void StringPool::MakeRoom(size_t n, size_t load_percent) {
  const size_t want = indexed_ + n;
  if (want * 100 <= slots_.size() * kMaxLoadPercent) return;
  // (From 80% to 60% full: a third more slots at least, so a run of
  // single interns builds it again a few times, not once each.)
  const size_t size = std::max<size_t>(16, want * 100 / load_percent + 1);
  std::vector<uint64_t> old(size, 0);
  old.swap(slots_);
  for (uint64_t v : old) {
    if (v == 0) continue;
    size_t i = Home(static_cast<uint32_t>(v >> 32));
    while (slots_[i] != 0) i = Next(i);
    slots_[i] = v;
  }
}

void StringPool::Index(StrId id, uint32_t hash) {
  MakeRoom(1);
  size_t i = Home(hash);
  while (slots_[i] != 0) i = Next(i);
  slots_[i] = uint64_t{hash} << 32 | (uint64_t{id} + 1);
  ++indexed_;
}

StrId StringPool::Append(std::string_view s) {
  if (!s.empty()) std::memcpy(TextRoom(s.size()), s.data(), s.size());
  const StrId id = static_cast<StrId>(size());
  offsets_.push_back(static_cast<uint32_t>(bytes() + s.size()));
  return id;
}

bool StringPool::AppendPacked(std::string_view bytes,
                              std::span<const uint32_t> lengths,
                              std::span<const uint8_t> indexed,
                              std::span<const uint32_t> hashes) {
  const StrId first = static_cast<StrId>(size());
  if (!bytes.empty())
    std::memcpy(TextRoom(bytes.size()), bytes.data(), bytes.size());
  offsets_.reserve(offsets_.size() + lengths.size());
  uint32_t at = offsets_.back();
  for (uint32_t len : lengths) offsets_.push_back(at += len);
  // (Filled to 3/4: an image's strings are most of what a pool will hold.)
  MakeRoom(hashes.size(), 75);
  size_t k = 0;
  for (size_t i = 0; i < lengths.size() && k < hashes.size(); ++i) {
    if (i / 8 >= indexed.size()) break;
    if (!((indexed[i / 8] >> (i % 8)) & 1)) continue;
    // The table is many megabytes: touch the home slot of a string a few
    // ahead while filing this one, so that their cache misses overlap.
    if (k + 8 < hashes.size())
      __builtin_prefetch(&slots_[Home(hashes[k + 8])]);
    const uint32_t hash = hashes[k++];
    size_t s = Home(hash), probe = 0;
    while (slots_[s] != 0) {
      // Hashes from a damaged or hostile image could pile up and make
      // filing quadratic.
      if (++probe > kMaxProbe) return false;
      s = Next(s);
    }
    slots_[s] = uint64_t{hash} << 32 | (uint64_t{first} + i + 1);
    ++indexed_;
  }
  return true;
}

}  // namespace aim::model

// An append-only pool of interned strings. Ids are dense and stable; the
// views returned stay valid for the pool's lifetime (the text never moves).
// Not thread-safe for writers.
//
// The text of every string lies back to back in id order in one range of
// address space reserved up front (kMaxTextBytes, made usable as it
// fills: only what is written takes memory), so a string costs its bytes
// and one 4-byte offset: string i is [offset i, offset i + 1).
#ifndef AIM_ENGINE_MODEL_STRINGS_H_
#define AIM_ENGINE_MODEL_STRINGS_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace aim::model {

using StrId = uint32_t;
inline constexpr StrId kEmptyStr = 0;  // id of ""

class StringPool {
 public:
  StringPool();
  ~StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  StrId Intern(std::string_view s);
  // Interns in[i] into out[i] for every i (the sizes must match), with the
  // same ids as calling Intern on each in order. The index is large (many
  // megabytes for a big graph) and each lookup misses the cache two or
  // three times, one miss waiting on another; a batch issues every
  // string's misses of one kind before it waits on any, so they overlap.
  void InternMany(std::span<const std::string_view> in, std::span<StrId> out);
  // Stores `s` without indexing it (no deduplication, no hashing): for
  // text that is read back by id but never looked up, like signatures.
  StrId Append(std::string_view s);
  // Expects about `n` more interned strings.
  void Reserve(size_t n);
  // The id of `s` if interned, else kNoStr.
  StrId Find(std::string_view s) const { return Find(s, Hash(s)); }
  // Whether `id` was made by Intern (is found by Find), not by Append.
  bool Indexed(StrId id) const { return Find(Get(id)) == id; }
  // Calls fn(id, hash) for each indexed string, in no particular order.
  template <typename Fn>
  void ForEachIndexed(Fn fn) const {
    for (uint64_t v : slots_)
      if (v != 0)
        fn(static_cast<StrId>(static_cast<uint32_t>(v) - 1),
           static_cast<uint32_t>(v >> 32));
  }
  // The hash the index files `s` under (XXH3, 32 bits): a pure function
  // of the bytes, so images can store it.
  static uint32_t Hash(std::string_view s);
  // Appends `lengths.size()` strings stored back to back in `bytes` (its
  // size must be the sum of `lengths`) in one copy: string i gets id
  // size() + i. The strings whose bit is set in `indexed` (bit i of byte
  // i / 8) are indexed as Intern would, under the hashes in `hashes`, one
  // per indexed string in order; `hashes` must have one for each. A wrong
  // hash makes its string unfindable (an equal one would be interned
  // again), nothing worse. For loading images fast.
  // Returns false (the strings are appended, not all indexed) if the
  // hashes cluster as real ones practically never do: a string would have
  // to be filed more than kMaxProbe slots from its home.
  bool AppendPacked(std::string_view bytes, std::span<const uint32_t> lengths,
                    std::span<const uint8_t> indexed,
                    std::span<const uint32_t> hashes);
  static constexpr size_t kMaxProbe = 1024;
  // Files strings already stored (by AppendPacked without their bits, or
  // by Append) in the index, as Intern would have, each one whose text is
  // not found already.
  void IndexStored(std::span<const StrId> ids);
  std::string_view Get(StrId id) const {
    return std::string_view(text_ + offsets_[id],
                            offsets_[id + 1] - offsets_[id]);
  }
  size_t size() const { return offsets_.size() - 1; }
  size_t bytes() const { return offsets_.back(); }
  // Bytes held: the text and its offsets; the index apart.
  size_t TextBytes() const {
    return bytes() + offsets_.capacity() * sizeof(uint32_t);
  }
  size_t IndexBytes() const { return slots_.capacity() * sizeof(uint64_t); }

  static constexpr StrId kNoStr = UINT32_MAX;
  // The most text a pool holds (4 GiB less one byte: offsets are 32-bit);
  // past it a pool aborts, naming the cause. (A smaller range is reserved
  // where the address space is limited.)
  static constexpr size_t kMaxTextBytes = UINT32_MAX;

 private:
  StrId Find(std::string_view s, uint32_t hash) const;
  // Files `id` under `hash` (growing the table first if needed).
  void Index(StrId id, uint32_t hash);
  // The most of the index's slots that may be filled, in percent.
  static constexpr size_t kMaxLoadPercent = 80;
  // Room in the index for n more strings: if they would fill it past
  // kMaxLoadPercent, it is built again, filled to `load_percent` with them.
  void MakeRoom(size_t n, size_t load_percent = 60);
  // Where `hash` is filed first (the hash scaled to the table: any size
  // will do), and the slot after i.
  size_t Home(uint32_t hash) const {
    return static_cast<size_t>((uint64_t{hash} * slots_.size()) >> 32);
  }
  size_t Next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  // Room for `n` more bytes of text (aborts if the range is full).
  char* TextRoom(size_t n);

  char* text_ = nullptr;  // the reserved range
  size_t reserved_ = 0;   // its size
  size_t usable_ = 0;     // the part made readable and writable
  std::vector<uint32_t> offsets_{0};  // size() + 1: where each string starts
  // The index: open addressing with linear probing, at most 80% full (a
  // probe reads 8-byte slots in a row: a long run costs a cache line or
  // two). A slot holds hash << 32 | (id + 1); 0 is empty. Keeping the hash
  // in the slot skips most string comparisons and lets the table grow
  // without hashing again.
  std::vector<uint64_t> slots_;
  size_t indexed_ = 0;
  std::vector<uint32_t> batch_hashes_;  // InternMany's scratch
};

}  // namespace aim::model

#endif  // AIM_ENGINE_MODEL_STRINGS_H_

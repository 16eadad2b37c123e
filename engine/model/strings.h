// An append-only pool of interned strings. Ids are dense and stable; the
// views returned stay valid for the pool's lifetime (storage is chunked and
// never moves). Not thread-safe for writers.
#ifndef AIM_ENGINE_MODEL_STRINGS_H_
#define AIM_ENGINE_MODEL_STRINGS_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace aim::model {

using StrId = uint32_t;
inline constexpr StrId kEmptyStr = 0;  // id of ""

class StringPool {
 public:
  StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  StrId Intern(std::string_view s);
  // Stores `s` without indexing it (no deduplication, no hashing): for
  // text that is read back by id but never looked up, like signatures.
  StrId Append(std::string_view s);
  // Expects about `n` more interned strings.
  void Reserve(size_t n) { index_.reserve(index_.size() + n); views_.reserve(views_.size() + n); }
  // The id of `s` if interned, else kNoStr.
  StrId Find(std::string_view s) const;
  // Whether `id` was made by Intern (is found by Find), not by Append.
  bool Indexed(StrId id) const { return Find(views_[id]) == id; }
  // Appends `lengths.size()` strings stored back to back in `bytes` (its
  // size must be the sum of `lengths`) in one allocation: string i gets id
  // size() + i, and is indexed as Intern would if bit i of `indexed` (LSB
  // first) is set and no equal string is indexed yet. For loading images.
  void AppendPacked(std::string_view bytes, std::span<const uint32_t> lengths,
                    std::span<const uint8_t> indexed);
  std::string_view Get(StrId id) const { return views_[id]; }
  size_t size() const { return views_.size(); }
  size_t bytes() const { return bytes_; }

  static constexpr StrId kNoStr = UINT32_MAX;

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  size_t bytes_ = 0;
  std::vector<std::string_view> views_;
  absl::flat_hash_map<std::string_view, StrId> index_;
};

}  // namespace aim::model

#endif  // AIM_ENGINE_MODEL_STRINGS_H_

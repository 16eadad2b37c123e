#include "engine/model/strings.h"

#include <cstring>

namespace aim::model {

namespace {
constexpr size_t kBlock = 256 * 1024;
}

StringPool::StringPool() { Intern(""); }

StrId StringPool::Find(std::string_view s) const {
  auto it = index_.find(s);
  return it == index_.end() ? kNoStr : it->second;
}

StrId StringPool::Intern(std::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  StrId id = Append(s);
  index_.emplace(views_[id], id);
  return id;
}

StrId StringPool::Append(std::string_view s) {
  if (!s.empty() && block_used_ + s.size() > block_size_) {
    size_t size = s.size() > kBlock ? s.size() : kBlock;
    blocks_.push_back(std::make_unique<char[]>(size));
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

void StringPool::AppendPacked(std::string_view bytes,
                              std::span<const uint32_t> lengths,
                              std::span<const uint8_t> indexed) {
  const char* base = nullptr;
  if (!bytes.empty()) {
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(bytes.size()));
    std::memcpy(blocks_.back().get(), bytes.data(), bytes.size());
    base = blocks_.back().get();
    // The block is full: the next Append starts a new one.
    block_size_ = block_used_ = bytes.size();
    bytes_ += bytes.size();
  }
  size_t n_indexed = 0;
  for (uint8_t b : indexed) n_indexed += static_cast<size_t>(__builtin_popcount(b));
  views_.reserve(views_.size() + lengths.size());
  index_.reserve(index_.size() + n_indexed);
  size_t at = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    std::string_view v(lengths[i] ? base + at : nullptr, lengths[i]);
    at += lengths[i];
    StrId id = static_cast<StrId>(views_.size());
    views_.push_back(v);
    if (i / 8 < indexed.size() && (indexed[i / 8] >> (i % 8)) & 1)
      index_.emplace(v, id);
  }
}

}  // namespace aim::model

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

}  // namespace aim::model

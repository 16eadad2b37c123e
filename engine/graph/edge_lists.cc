#include "engine/graph/edge_lists.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace aim::graph {

uint32_t EdgeLists::Room(Head h) {
  const uint32_t n = h.size & kSizeMask;
  if (!(h.size & kGrown)) return n;
  // It was given a power of two no smaller than any size it has had since
  // it moved; that is at least bit_ceil(n).
  return std::max(kMinRoom, std::bit_ceil(n));
}

void EdgeLists::Insert(EntityIdx e, size_t at, const Edge& ed) {
  Head h = heads_[e];
  const uint32_t n = h.size & kSizeMask;
  const uint32_t room = Room(h);
  if (n == room) {
    // Move to the end of the array, into a power of two of room (or grow
    // in place if the list is at the end already).
    const uint32_t want = std::max(kMinRoom, std::bit_ceil(n + 1));
    if (edges_.size() + want > UINT32_MAX) {  // (runs are 32-bit indices)
      if (edges_.size() == held_) {
        std::fprintf(stderr, "aim: over 4 billion edges one way\n");
        std::abort();
      }
      Compact();
      return Insert(e, at, ed);
    }
    if (h.begin + room == edges_.size() && n > 0) {
      edges_.resize(h.begin + want);
    } else {
      const size_t begin = edges_.size();
      edges_.resize(begin + want);
      std::copy_n(edges_.begin() + h.begin, n, edges_.begin() + begin);
      h.begin = static_cast<uint32_t>(begin);
    }
    h.size = n | kGrown;
  }
  Edge* list = edges_.data() + h.begin;
  std::memmove(list + at + 1, list + at, (n - at) * sizeof(Edge));
  list[at] = ed;
  h.size = (n + 1) | (h.size & kGrown);
  heads_[e] = h;
  ++held_;
}

void EdgeLists::Erase(EntityIdx e, size_t at) {
  Head& h = heads_[e];
  const uint32_t n = h.size & kSizeMask;
  Edge* list = edges_.data() + h.begin;
  std::memmove(list + at, list + at + 1, (n - at - 1) * sizeof(Edge));
  h.size = (n - 1) | (h.size & kGrown);
  --held_;
}

void EdgeLists::Truncate(EntityIdx e, size_t n) {
  Head& h = heads_[e];
  held_ -= (h.size & kSizeMask) - n;
  h.size = static_cast<uint32_t>(n) | (h.size & kGrown);
}

void EdgeLists::Clear(EntityIdx e) {
  held_ -= heads_[e].size & kSizeMask;
  heads_[e] = {};
}

void EdgeLists::Layout(std::span<const uint32_t> sizes) {
  heads_.assign(sizes.size(), {});
  size_t at = 0;
  for (size_t s = 0; s < sizes.size(); ++s) {
    heads_[s] = {static_cast<uint32_t>(at), sizes[s]};
    at += sizes[s];
  }
  edges_.clear();
  edges_.shrink_to_fit();
  edges_.resize(at);
  held_ = at;
}

void EdgeLists::Compact() {
  std::vector<Edge> packed;
  packed.reserve(held_);
  for (Head& h : heads_) {
    const uint32_t n = h.size & kSizeMask;
    const uint32_t begin = static_cast<uint32_t>(packed.size());
    packed.insert(packed.end(), edges_.begin() + h.begin,
                  edges_.begin() + h.begin + n);
    h = {begin, n};
  }
  edges_.swap(packed);
}

void EdgeLists::MaybeCompact() {
  const size_t spare = edges_.size() - held_;
  if (spare > held_ / 2 && edges_.size() > (size_t{1} << 16)) Compact();
}

}  // namespace aim::graph

// IdIndex: a writable graph's entities by id, in 8 bytes a bucket (half
// of what a hash map of id -> slot takes). A bucket holds a slot and 32
// bits of the hash of the id filed under it; the entity's whole id is
// read from the graph (`id_of`) only to confirm a match. Open addressing,
// linear probing, at most half full; a removal shifts the run behind it
// back. The hash is seeded per process (absl::Hash): ids come from
// images too, and no stored set of them can make them pile up.
//
// Each id has one slot at most: filing a slot under an id replaces the
// one filed there. An entity's id must not change while it is filed.
#ifndef AIM_ENGINE_GRAPH_ID_INDEX_H_
#define AIM_ENGINE_GRAPH_ID_INDEX_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "engine/graph/edge_lists.h"  // EntityIdx, kNoEntity

namespace aim::graph {

class IdIndex {
 public:
  // The slot filed under `id`, or kNoEntity; id_of(slot) reads the id of
  // the entity in a slot.
  template <typename IdOf>
  EntityIdx Find(uint64_t id, IdOf id_of) const {
    if (buckets_.empty()) return kNoEntity;
    const uint32_t tag = Tag(id);
    for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Bucket b = buckets_[i];
      if (b.slot1 == 0) return kNoEntity;
      if (b.tag == tag && id_of(b.slot1 - 1) == id) return b.slot1 - 1;
    }
  }
  // Files `slot` under `id` (in place of what was filed under it).
  template <typename IdOf>
  void Insert(uint64_t id, EntityIdx slot, IdOf id_of) {
    if ((size_ + 1) * 2 > buckets_.size()) Grow((size_ + 1) * 2);
    const uint32_t tag = Tag(id);
    for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
      Bucket& b = buckets_[i];
      if (b.slot1 == 0) {
        b = {slot + 1, tag};
        ++size_;
        return;
      }
      if (b.tag == tag && id_of(b.slot1 - 1) == id) {
        b.slot1 = slot + 1;
        return;
      }
    }
  }
  // Removes what is filed under `id`, if anything.
  template <typename IdOf>
  void Erase(uint64_t id, IdOf id_of) {
    if (buckets_.empty()) return;
    const uint32_t tag = Tag(id);
    size_t hole = tag & mask_;
    for (;; hole = (hole + 1) & mask_) {
      const Bucket b = buckets_[hole];
      if (b.slot1 == 0) return;
      if (b.tag == tag && id_of(b.slot1 - 1) == id) break;
    }
    // Each bucket of the run after the hole moves into it if its home is
    // not between the hole and it (cyclically).
    for (size_t j = (hole + 1) & mask_; buckets_[j].slot1 != 0;
         j = (j + 1) & mask_) {
      const size_t home = buckets_[j].tag & mask_;
      if (((j - home) & mask_) >= ((j - hole) & mask_)) {
        buckets_[hole] = buckets_[j];
        hole = j;
      }
    }
    buckets_[hole] = {};
    --size_;
  }
  // Room for `n` entries without growing.
  void Reserve(size_t n) {
    if (n * 2 > buckets_.size()) Grow(n * 2);
  }
  size_t size() const { return size_; }
  size_t MemoryBytes() const { return buckets_.capacity() * sizeof(Bucket); }
  // Calls fn(slot) for each slot filed, in no particular order.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const Bucket& b : buckets_)
      if (b.slot1 != 0) fn(EntityIdx{b.slot1 - 1});
  }

 private:
  struct Bucket {
    uint32_t slot1 = 0;  // the slot + 1; 0: empty
    uint32_t tag = 0;    // the id's hash; its low bits are the home bucket
  };
  static uint32_t Tag(uint64_t id) {
    return static_cast<uint32_t>(absl::Hash<uint64_t>{}(id));
  }
  // To at least `want` buckets (at most 2^32); homes come from the tags.
  void Grow(size_t want) {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(std::bit_ceil(std::max<size_t>(want, 16)), Bucket{});
    mask_ = buckets_.size() - 1;
    for (const Bucket& b : old) {
      if (b.slot1 == 0) continue;
      size_t i = b.tag & mask_;
      while (buckets_[i].slot1 != 0) i = (i + 1) & mask_;
      buckets_[i] = b;
    }
  }

  std::vector<Bucket> buckets_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_ID_INDEX_H_

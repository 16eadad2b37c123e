// IdIndex: a writable graph's entities by id, in 8 bytes a bucket (half
// of what a hash map of id -> slot takes). A bucket holds a slot and 32
// bits of the hash of the id filed under it; the entity's whole id is
// read from the graph (`id_of`) only to confirm a match. Open addressing,
// linear probing over a table of any size (the hash scaled to it), at most
// 80% full, 60% when grown (a probe reads 8-byte buckets in a row); a
// removal shifts the run behind it back. The hash is seeded per process (absl::Hash): ids come from
// images too, and no stored set of them can make them pile up.
//
// Each id has one slot at most: filing a slot under an id replaces the
// one filed there. An entity's id must not change while it is filed.
//
// The same table serves as a multimap of 64-bit keys (Add, ForEachUnder,
// Remove: several slots under one key), for the members filed by their
// parent's path and name (Graph::member_index_). One table is used one
// way or the other, not both.
#ifndef AIM_ENGINE_GRAPH_ID_INDEX_H_
#define AIM_ENGINE_GRAPH_ID_INDEX_H_

#include <algorithm>
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
    for (size_t i = Home(tag);; i = Next(i)) {
      const Bucket b = buckets_[i];
      if (b.slot1 == 0) return kNoEntity;
      if (b.tag == tag && id_of(b.slot1 - 1) == id) return b.slot1 - 1;
    }
  }
  // Files `slot` under `id` (in place of what was filed under it).
  template <typename IdOf>
  void Insert(uint64_t id, EntityIdx slot, IdOf id_of) {
    Reserve(size_ + 1, 60);
    const uint32_t tag = Tag(id);
    for (size_t i = Home(tag);; i = Next(i)) {
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
    for (size_t i = Home(tag);; i = Next(i)) {
      const Bucket b = buckets_[i];
      if (b.slot1 == 0) return;
      if (b.tag == tag && id_of(b.slot1 - 1) == id) return EraseAt(i);
    }
  }

  // ---- as a multimap
  // Files `slot` under `key`, beside any filed there already.
  void Add(uint64_t key, EntityIdx slot) {
    Reserve(size_ + 1, 60);
    size_t i = Home(Tag(key));
    while (buckets_[i].slot1 != 0) i = Next(i);
    buckets_[i] = {slot + 1, Tag(key)};
    ++size_;
  }
  // Calls fn(slot) for each slot filed under `key` (key_of(slot) reads the
  // key of the entity in a slot), in no particular order.
  template <typename KeyOf, typename Fn>
  void ForEachUnder(uint64_t key, KeyOf key_of, Fn fn) const {
    if (buckets_.empty()) return;
    const uint32_t tag = Tag(key);
    for (size_t i = Home(tag);; i = Next(i)) {
      const Bucket b = buckets_[i];
      if (b.slot1 == 0) return;
      if (b.tag == tag && key_of(b.slot1 - 1) == key) fn(EntityIdx{b.slot1 - 1});
    }
  }
  // Removes `slot`, filed under `key`; false if it is not filed there.
  bool Remove(uint64_t key, EntityIdx slot) {
    if (buckets_.empty()) return false;
    const uint32_t tag = Tag(key);
    for (size_t i = Home(tag);; i = Next(i)) {
      const Bucket b = buckets_[i];
      if (b.slot1 == 0) return false;
      if (b.slot1 == slot + 1 && b.tag == tag) {
        EraseAt(i);
        return true;
      }
    }
  }

  // Room for `n` entries without growing: if they would fill it past 80%,
  // the table is built again, filled to `load_percent` with them.
  void Reserve(size_t n, size_t load_percent = 75) {
    if (n * 100 > buckets_.size() * 80) Grow(n * 100 / load_percent + 1);
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
    uint32_t tag = 0;    // the id's hash, which gives its home bucket
  };
  // Where `tag` is filed first, the bucket after i, and how far on from
  // bucket a (cyclically) bucket b is.
  size_t Home(uint32_t tag) const {
    return static_cast<size_t>((uint64_t{tag} * buckets_.size()) >> 32);
  }
  size_t Next(size_t i) const { return i + 1 == buckets_.size() ? 0 : i + 1; }
  size_t Distance(size_t a, size_t b) const {
    return b >= a ? b - a : b + buckets_.size() - a;
  }
  static uint32_t Tag(uint64_t id) {
    return static_cast<uint32_t>(absl::Hash<uint64_t>{}(id));
  }
  // Empties bucket `hole`: each bucket of the run after it moves into the
  // hole if its home is not between the hole and it (cyclically).
  void EraseAt(size_t hole) {
    for (size_t j = Next(hole); buckets_[j].slot1 != 0; j = Next(j)) {
      const size_t home = Home(buckets_[j].tag);
      if (Distance(home, j) >= Distance(hole, j)) {
        buckets_[hole] = buckets_[j];
        hole = j;
      }
    }
    buckets_[hole] = {};
    --size_;
  }
  // To `want` buckets (at least 16); homes come from the tags.
  void Grow(size_t want) {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(std::max<size_t>(want, 16), Bucket{});
    for (const Bucket& b : old) {
      if (b.slot1 == 0) continue;
      size_t i = Home(b.tag);
      while (buckets_[i].slot1 != 0) i = Next(i);
      buckets_[i] = b;
    }
  }

  std::vector<Bucket> buckets_;
  size_t size_ = 0;
};

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_ID_INDEX_H_

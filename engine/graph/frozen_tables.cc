#include "engine/graph/frozen_tables.h"

#include <bit>

#include "absl/hash/hash.h"

namespace aim::graph {

namespace {

// A power of two over twice `n` (at least one bucket stays empty), or
// none for none.
size_t BucketsFor(size_t n) { return n == 0 ? 0 : std::bit_ceil(2 * n + 1); }

}  // namespace

uint32_t FrozenTables::NameHash(std::string_view s) {
  return model::StringPool::Hash(s);
}

uint64_t FrozenTables::IdHash(uint64_t id) {
  // Ids are hashes already, but an image's are not to be trusted: seeded
  // per process, so no stored set of ids can make them pile up.
  return absl::Hash<uint64_t>{}(id);
}

FrozenTables::FrozenTables(
    std::span<const std::pair<StrId, std::span<const EntityIdx>>> names,
    const std::function<std::string_view(StrId)>& str,
    std::span<const std::pair<uint64_t, EntityIdx>> ids,
    const std::function<uint64_t(EntityIdx)>& id_of) {
  size_t total = 0, groups = 0;
  for (const auto& [name, list] : names) {
    total += list.size();
    groups += !list.empty();
  }
  group_name_.reserve(groups);
  group_begin_.reserve(groups == 0 ? 0 : groups + 1);
  slots_.reserve(total);
  name_buckets_.assign(BucketsFor(groups), 0);
  size_t mask = name_buckets_.size() - 1;
  for (const auto& [name, list] : names) {
    if (list.empty()) continue;
    const uint32_t g = static_cast<uint32_t>(group_name_.size());
    group_name_.push_back(name);
    group_begin_.push_back(static_cast<uint32_t>(slots_.size()));
    slots_.insert(slots_.end(), list.begin(), list.end());
    const uint32_t hash = NameHash(str(name));
    size_t i = hash & mask;
    while (name_buckets_[i] != 0) i = (i + 1) & mask;
    name_buckets_[i] = uint64_t{hash} << 32 | (uint64_t{g} + 1);
  }
  if (groups > 0) group_begin_.push_back(static_cast<uint32_t>(slots_.size()));
  id_buckets_.assign(BucketsFor(ids.size()), 0);
  mask = id_buckets_.size() - 1;
  for (const auto& [id, slot] : ids) {
    if (id_of(slot) != id) continue;
    size_t i = IdHash(id) & mask;
    while (id_buckets_[i] != 0) i = (i + 1) & mask;
    id_buckets_[i] = slot + 1;
  }
}

size_t FrozenTables::MemoryBytes() const {
  return name_buckets_.capacity() * sizeof(uint64_t) +
         (group_name_.capacity() + group_begin_.capacity() +
          slots_.capacity() + id_buckets_.capacity()) *
             sizeof(uint32_t);
}

}  // namespace aim::graph

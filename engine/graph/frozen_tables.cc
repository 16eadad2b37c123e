#include "engine/graph/frozen_tables.h"

#include <bit>

#include "absl/container/flat_hash_set.h"
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
    std::span<const Entity> entities, const model::StringPool& strings,
    std::span<const std::pair<StrId, std::span<const EntityIdx>>>
        name_exceptions,
    std::span<const std::pair<uint64_t, EntityIdx>> id_exceptions) {
  auto live = [](const Entity& e) { return (e.flags & kLive) != 0; };
  const size_t n_strings = strings.size();
  // Names: each one's entities, by a counting sort on the name (a name
  // with an exception takes the exception's list instead).
  std::vector<bool> excepted(name_exceptions.empty() ? 0 : n_strings, false);
  for (const auto& [name, list] : name_exceptions) excepted[name] = true;
  std::vector<uint32_t> count(n_strings, 0);
  size_t n_live = 0;
  for (const Entity& e : entities) {
    if (!live(e)) continue;
    ++n_live;
    if (excepted.empty() || !excepted[e.name]) ++count[e.name];
  }
  for (const auto& [name, list] : name_exceptions)
    count[name] = static_cast<uint32_t>(list.size());
  size_t groups = 0, total = 0;
  std::vector<uint32_t> at(n_strings);
  for (size_t n = 0; n < n_strings; ++n) {
    at[n] = static_cast<uint32_t>(total);
    total += count[n];
    groups += count[n] != 0;
  }
  slots_.resize(total);
  for (EntityIdx i = 0; i < entities.size(); ++i) {
    const Entity& e = entities[i];
    if (live(e) && (excepted.empty() || !excepted[e.name]))
      slots_[at[e.name]++] = i;
  }
  for (const auto& [name, list] : name_exceptions) {
    std::copy(list.begin(), list.end(), slots_.begin() + at[name]);
    at[name] += static_cast<uint32_t>(list.size());
  }
  name_buckets_.assign(BucketsFor(groups), 0);
  group_name_.reserve(groups);
  group_begin_.reserve(groups == 0 ? 0 : groups + 1);
  for (size_t n = 0; n < n_strings; ++n) {
    if (count[n] == 0) continue;
    const StrId name = static_cast<StrId>(n);
    AddName(
        name, NameHash(strings.Get(name)),
        std::span<const EntityIdx>(slots_.data() + at[n] - count[n], count[n]));
  }
  if (groups > 0) group_begin_.push_back(static_cast<uint32_t>(slots_.size()));
  // Ids: the last slot of each (slots from the last, so that a later one
  // comes first in its probe sequence), an exception's instead.
  absl::flat_hash_set<uint64_t> id_excepted;
  for (const auto& [id, slot] : id_exceptions) id_excepted.insert(id);
  id_buckets_.assign(BucketsFor(n_live + id_exceptions.size()), 0);
  for (size_t i = entities.size(); i-- > 0;) {
    const Entity& e = entities[i];
    if (live(e) && (id_excepted.empty() || !id_excepted.contains(e.id)))
      AddId(e.id, static_cast<EntityIdx>(i));
  }
  // (An exception naming a slot whose entity has another id, which only
  // damage makes, is left out: it could be found under that other id.)
  for (const auto& [id, slot] : id_exceptions)
    if (slot < entities.size() && entities[slot].id == id) AddId(id, slot);
}

void FrozenTables::AddName(StrId name, uint32_t hash,
                           std::span<const EntityIdx> slots) {
  const uint32_t g = static_cast<uint32_t>(group_name_.size());
  group_name_.push_back(name);
  group_begin_.push_back(static_cast<uint32_t>(slots.data() - slots_.data()));
  const size_t mask = name_buckets_.size() - 1;
  size_t i = hash & mask;
  while (name_buckets_[i] != 0) i = (i + 1) & mask;
  name_buckets_[i] = uint64_t{hash} << 32 | (uint64_t{g} + 1);
}

void FrozenTables::AddId(uint64_t id, EntityIdx slot) {
  const size_t mask = id_buckets_.size() - 1;
  size_t i = IdHash(id) & mask;
  while (id_buckets_[i] != 0) i = (i + 1) & mask;
  id_buckets_[i] = slot + 1;
}

size_t FrozenTables::MemoryBytes() const {
  return name_buckets_.capacity() * sizeof(uint64_t) +
         (group_name_.capacity() + group_begin_.capacity() + slots_.capacity() +
          id_buckets_.capacity()) *
             sizeof(uint32_t);
}

}  // namespace aim::graph

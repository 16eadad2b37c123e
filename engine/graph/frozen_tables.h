// The name and id tables of a query-only graph, frozen into flat arrays:
// what Graph::ByName and Graph::ById read when the graph cannot change
// (about 4 MB for 256,000 entities, against 14 MB of hash maps holding
// small vectors, and the string index entries the names needed).
#ifndef AIM_ENGINE_GRAPH_FROZEN_TABLES_H_
#define AIM_ENGINE_GRAPH_FROZEN_TABLES_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/graph/graph.h"

namespace aim::graph {

class FrozenTables {
 public:
  // The tables Graph derives from its live entities (DeriveEntityTables:
  // each name's entities in slot order; each id's last slot), but where
  // an exception says otherwise: a name's list replaced (an empty list:
  // no entry), an id's slot replaced (kNoEntity: no entry; each name or
  // id has one exception at most). `entities` are read in order, and the
  // names' text in `strings` in the order of their ids.
  FrozenTables(std::span<const Entity> entities,
               const model::StringPool& strings,
               std::span<const std::pair<StrId, std::span<const EntityIdx>>>
                   name_exceptions,
               std::span<const std::pair<uint64_t, EntityIdx>> id_exceptions);

  // The entities named `name` (as the name table listed them), given the
  // graph's strings.
  template <typename Str>
  std::span<const EntityIdx> ByName(std::string_view name, Str str) const {
    if (name_buckets_.empty()) return {};
    const uint32_t hash = NameHash(name);
    const size_t mask = name_buckets_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const uint64_t v = name_buckets_[i];
      if (v == 0) return {};
      if (static_cast<uint32_t>(v >> 32) != hash) continue;
      const uint32_t g = static_cast<uint32_t>(v) - 1;
      if (str(group_name_[g]) != name) continue;
      return {slots_.data() + group_begin_[g],
              group_begin_[g + 1] - group_begin_[g]};
    }
  }
  // The slot of the entity `id`, or kNoEntity; `id_of` reads the id of the
  // entity in a slot.
  template <typename IdOf>
  EntityIdx ById(uint64_t id, IdOf id_of) const {
    if (id_buckets_.empty()) return kNoEntity;
    const size_t mask = id_buckets_.size() - 1;
    for (size_t i = IdHash(id) & mask;; i = (i + 1) & mask) {
      const uint32_t v = id_buckets_[i];
      if (v == 0) return kNoEntity;
      if (id_of(v - 1) == id) return v - 1;
    }
  }
  size_t MemoryBytes() const;

 private:
  static uint32_t NameHash(std::string_view s);
  static uint64_t IdHash(uint64_t id);
  void AddName(StrId name, uint32_t hash, std::span<const EntityIdx> slots);
  void AddId(uint64_t id, EntityIdx slot);

  // Open addressing, power-of-two sizes, under half full (or empty, for no
  // entries). A name bucket
  // holds hash << 32 | (group + 1); an id bucket slot + 1; 0 is empty.
  std::vector<uint64_t> name_buckets_;
  std::vector<StrId> group_name_;
  std::vector<uint32_t> group_begin_;  // groups + 1: into slots_
  std::vector<EntityIdx> slots_;
  std::vector<uint32_t> id_buckets_;
};

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_FROZEN_TABLES_H_

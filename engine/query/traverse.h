// Internal to engine/query: the breadth-first walk every dependency query is
// built on, its per-thread scratch, and small text helpers.
//
// A walk follows the edges of chosen kinds out of (down) or into (up) each
// entity, level by level, breadth first: each level's records in order,
// each record's list in order. Its order is a function of the graph's
// content alone (not of slots or of the order of edits), because every
// adjacency list is (Graph::EdgeBefore: by the other end's id, then the
// edge's fields) and so, level by level, is the order of the records. An
// entity keeps the first record that reached it, and the least of that
// record's edges to it (kind, line, confidence, flags, file), which its
// list holds first.
#ifndef AIM_ENGINE_QUERY_TRAVERSE_H_
#define AIM_ENGINE_QUERY_TRAVERSE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engine/query/query.h"

namespace aim::query::internal {

constexpr uint8_t KindBit(EdgeKind k) {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(k));
}
inline constexpr uint8_t kAllKinds = 0x1f;
inline constexpr uint32_t kNoRecord = UINT32_MAX;

// One entity reached by a walk.
struct Record {
  EntityIdx node = graph::kNoEntity;
  uint32_t parent = kNoRecord;  // record that reached it
  uint32_t depth = 0;
  bool via_out = false;  // `via` is from the parent's out-list
  // A copy of the edge from the parent's out- or in-list that reached it
  // (so that making hits reads no adjacency list again); via.other is node.
  graph::Edge via;
  // With WalkSpec::track_sure: whether some edge of a wanted kind between
  // the parent and it is not ambiguous (`via`, the least, may be while
  // another is not). Otherwise true.
  bool sure = true;
};

struct WalkSpec {
  bool up = true;     // follow in-edges (dependents) or out-edges
  uint8_t kinds = 0;  // KindBit mask
  uint32_t max_depth = 1;
  EntityIdx target = graph::kNoEntity;  // stop once reached
  // Seed the walk with the start's members too (impl blocks of a type and
  // their items; a trait's items), at depth 0, reached by `contains`.
  bool with_members = false;
  // Fill Record::sure (reads the rest of each run of a list: a little
  // slower).
  bool track_sure = false;
};

// Runs a walk from `start`. The records (depth 0 first, then each level in
// the order it was reached) live in per-thread scratch until the next walk
// on this thread.
// With a target, `*target_rec` is its record or kNoRecord.
std::span<const Record> Walk(const Graph& g, EntityIdx start,
                             const WalkSpec& spec,
                             uint32_t* target_rec = nullptr);

// The same hits as ToHits(Walk(...)) for a walk of depth 1 from `start`
// alone (no members, no target), without marking: the other ends of the
// start's edges of the wanted kinds, by id, each once with its least edge.
Hits OneHop(const Graph& g, EntityIdx start, bool up, uint8_t kinds);

// The hop that reached record `r` (r must have a parent).
Hop HopOf(std::span<const Record> recs, uint32_t r);
// Hits for every record of depth > 0, in record order. The steps are the
// records' hops: step i is the hop into record i + 1 (the start, record 0,
// has none), so a hit's path follows its record's parents.
Hits ToHits(std::span<const Record> recs, bool up);

// Deterministic orders.
bool QualifiedLess(const Graph& g, EntityIdx a, EntityIdx b);

// Is a placeholder rather than a named item: externals and impl blocks.
inline bool IsAux(model::EntityKind k) {
  return k == EntityKind::kExternal || k == EntityKind::kImpl;
}

}  // namespace aim::query::internal

#endif  // AIM_ENGINE_QUERY_TRAVERSE_H_

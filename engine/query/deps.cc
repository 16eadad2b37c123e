// Dependency queries: implementors, callers, callees, uses, blast radius,
// shortest path. All are breadth-first walks (traverse.h).
#include <algorithm>

#include "engine/query/query.h"
#include "engine/query/search_index.h"
#include "engine/query/traverse.h"

namespace aim::query {
namespace {

using internal::KindBit;
using internal::WalkSpec;

constexpr uint8_t kDependencyKinds =
    KindBit(EdgeKind::kCalls) | KindBit(EdgeKind::kImplements) |
    KindBit(EdgeKind::kUses) | KindBit(EdgeKind::kImports);

Hits WalkHits(const Graph& g, EntityIdx start, bool up, uint8_t kinds,
              uint32_t depth, bool with_members = false) {
  if (depth == 1 && !with_members) return internal::OneHop(g, start, up, kinds);
  WalkSpec spec;
  spec.up = up;
  spec.kinds = kinds;
  spec.max_depth = depth;
  spec.with_members = with_members;
  return internal::ToHits(internal::Walk(g, start, spec), up);
}

}  // namespace

Path Hits::PathOf(const Hit& h) const {
  Path path;
  for (uint32_t s = h.step; s != kNoStep; s = steps_[s].prev)
    path.push_back(steps_[s].hop);
  if (!up_) std::reverse(path.begin(), path.end());
  return path;
}

size_t Hits::PathLength(const Hit& h) const {
  size_t n = 0;
  for (uint32_t s = h.step; s != kNoStep; s = steps_[s].prev) ++n;
  return n;
}

void Hits::AddWithPath(EntityIdx entity, uint32_t depth, const Path& path) {
  // The step nearest the start first: that is the path's first hop going
  // down, its last going up.
  uint32_t prev = kNoStep;
  for (size_t i = 0; i < path.size(); ++i)
    prev = AddStep(path[up_ ? path.size() - 1 - i : i], prev);
  list_.push_back({entity, depth, prev});
}

void SortByQualified(const Graph& g, Hits& hits) {
  SortByQualified(g, nullptr, hits);
}

void SortByQualified(const Graph& g, const SearchIndex* index, Hits& all,
                     size_t limit) {
  std::vector<Hit>& hits = all.list();
  // Sort small keys, then move the hits once. The order is total (a hit
  // list names each entity once), so any sort gives the same result.
  struct Key {
    uint32_t depth;
    uint32_t rank;  // SearchIndex::kNoRank: compare paths
    EntityIdx entity;
    uint32_t hit;
  };
  std::vector<Key> keys(hits.size());
  for (uint32_t i = 0; i < hits.size(); ++i) {
    const EntityIdx e = hits[i].entity;
    keys[i] = {hits[i].depth,
               index ? index->QualifiedRank(e) : SearchIndex::kNoRank, e, i};
  }
  auto less = [&](const Key& a, const Key& b) {
    if (a.depth != b.depth) return a.depth < b.depth;
    if (a.rank != SearchIndex::kNoRank && b.rank != SearchIndex::kNoRank)
      return a.rank < b.rank;
    return internal::QualifiedLess(g, a.entity, b.entity);
  };
  if (limit < keys.size()) {
    std::partial_sort(keys.begin(), keys.begin() + limit, keys.end(), less);
  } else {
    std::sort(keys.begin(), keys.end(), less);
  }
  std::vector<Hit> sorted;
  sorted.reserve(hits.size());
  for (const Key& k : keys) sorted.push_back(hits[k.hit]);
  hits = std::move(sorted);
}

Hits WhatImplements(const Graph& g, EntityIdx trait) {
  return WalkHits(g, trait, true, KindBit(EdgeKind::kImplements), 1);
}

Hits Callers(const Graph& g, EntityIdx fn, uint32_t depth) {
  return WalkHits(g, fn, true, KindBit(EdgeKind::kCalls), depth);
}

Hits Callees(const Graph& g, EntityIdx fn, uint32_t depth) {
  return WalkHits(g, fn, false, KindBit(EdgeKind::kCalls), depth);
}

Hits Uses(const Graph& g, EntityIdx e) {
  return WalkHits(g, e, false, KindBit(EdgeKind::kUses), 1);
}

Hits UsedBy(const Graph& g, EntityIdx type) {
  return WalkHits(g, type, true, KindBit(EdgeKind::kUses), 1);
}

Hits BlastRadius(const Graph& g, EntityIdx e, uint32_t depth, Direction dir) {
  return WalkHits(g, e, dir == Direction::kUp, kDependencyKinds, depth,
                  /*with_members=*/true);
}

std::optional<Path> ShortestPath(const Graph& g, EntityIdx a, EntityIdx b) {
  if (!g.live(a) || !g.live(b)) return std::nullopt;
  WalkSpec spec;
  spec.up = false;
  spec.kinds = internal::kAllKinds;
  spec.max_depth = UINT32_MAX;
  spec.target = b;
  uint32_t found = internal::kNoRecord;
  std::span<const internal::Record> recs = internal::Walk(g, a, spec, &found);
  if (found == internal::kNoRecord) return std::nullopt;
  Path path;
  for (uint32_t r = found; recs[r].parent != internal::kNoRecord;
       r = recs[r].parent)
    path.push_back(internal::HopOf(recs, r));
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace aim::query

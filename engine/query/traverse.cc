// The breadth-first walk under every dependency query.
#include "engine/query/traverse.h"

#include <algorithm>
#include <tuple>

namespace aim::query::internal {
namespace {

// Per-thread scratch, reused by every walk: a generation-stamped mark per
// slot (visited in this walk, and at which record), the records, and a
// buffer for sorting a level.
struct Scratch {
  std::vector<uint64_t> mark;  // (generation << 32) | record
  uint32_t gen = 0;
  std::vector<Record> recs;
  // A level being sorted: the entity's id and its record.
  struct Keyed {
    uint64_t key;
    uint32_t rec;
  };
  std::vector<Keyed> sort_buf;
  std::vector<Record> level_buf;

  void Begin(size_t slots) {
    if (mark.size() < slots) mark.resize(slots, 0);
    if (++gen == 0) {  // wrapped: forget every old stamp
      std::fill(mark.begin(), mark.end(), 0);
      gen = 1;
    }
    recs.clear();
  }
  bool Seen(EntityIdx e) const { return (mark[e] >> 32) == gen; }
  uint32_t RecOf(EntityIdx e) const { return static_cast<uint32_t>(mark[e]); }
  void Mark(EntityIdx e, uint32_t r) {
    mark[e] = (static_cast<uint64_t>(gen) << 32) | r;
  }
};

Scratch& TheScratch() {
  thread_local Scratch s;
  return s;
}

// Sorts records [begin, end) of one level by entity id and re-points
// their marks. Ids are stable hashes of identity, so the order does not
// depend on slots or on the order of adjacency lists.
void SortLevel(const Graph& g, Scratch& s, uint32_t begin, uint32_t end) {
  if (end - begin < 2) return;
  auto& buf = s.sort_buf;
  buf.clear();
  for (uint32_t r = begin; r < end; ++r)
    buf.push_back({g.entity(s.recs[r].node).id, r});
  std::sort(buf.begin(), buf.end(),
            [](const Scratch::Keyed& a, const Scratch::Keyed& b) {
              return a.key < b.key;
            });
  auto& level = s.level_buf;
  level.assign(s.recs.begin() + begin, s.recs.begin() + end);
  for (uint32_t i = 0; i < buf.size(); ++i) {
    s.recs[begin + i] = level[buf[i].rec - begin];
    s.Mark(s.recs[begin + i].node, begin + i);
  }
}

// Adds the children of record `r` reached by `contains` (out-edges) as
// depth-0 seeds, in a deterministic order.
void SeedChildren(const Graph& g, Scratch& s, uint32_t r, bool only_impls) {
  const EntityIdx node = s.recs[r].node;
  const uint32_t first = static_cast<uint32_t>(s.recs.size());
  for (const graph::Edge& ed : g.out(node)) {
    if (ed.kind != EdgeKind::kContains) continue;
    if (only_impls && g.entity(ed.other).kind != EntityKind::kImpl) continue;
    if (s.Seen(ed.other)) {
      Record& old = s.recs[s.RecOf(ed.other)];
      if (old.parent == r && EdgeLess(g, ed, *old.via)) old.via = &ed;
      continue;
    }
    s.Mark(ed.other, static_cast<uint32_t>(s.recs.size()));
    s.recs.push_back({ed.other, r, &ed, 0, true});
  }
  SortLevel(g, s, first, static_cast<uint32_t>(s.recs.size()));
}

}  // namespace

bool QualifiedLess(const Graph& g, EntityIdx a, EntityIdx b) {
  const graph::Entity& ea = g.entity(a);
  const graph::Entity& eb = g.entity(b);
  int c = g.str(ea.qualified).compare(g.str(eb.qualified));
  return c != 0 ? c < 0 : ea.id < eb.id;
}

bool EdgeLess(const Graph& g, const graph::Edge& a, const graph::Edge& b) {
  auto key = [](const graph::Edge& e) {
    return std::tuple(static_cast<int>(e.kind), e.line,
                      static_cast<int>(e.confidence), e.flags);
  };
  if (key(a) != key(b)) return key(a) < key(b);
  return g.str(a.file) < g.str(b.file);
}

std::span<const Record> Walk(const Graph& g, EntityIdx start,
                             const WalkSpec& spec, uint32_t* target_rec) {
  Scratch& s = TheScratch();
  s.Begin(g.slot_count());
  if (target_rec) *target_rec = kNoRecord;
  if (!g.live(start)) return {};
  s.Mark(start, 0);
  s.recs.push_back({start, kNoRecord, nullptr, 0, false});
  if (spec.with_members && model::IsType(g.entity(start).kind)) {
    const bool is_trait = g.entity(start).kind == EntityKind::kTrait;
    SeedChildren(g, s, 0, /*only_impls=*/!is_trait);
    const uint32_t children_end = static_cast<uint32_t>(s.recs.size());
    for (uint32_t r = 1; r < children_end; ++r)
      if (g.entity(s.recs[r].node).kind == EntityKind::kImpl)
        SeedChildren(g, s, r, /*only_impls=*/false);
  }
  if (start == spec.target) {
    if (target_rec) *target_rec = 0;
    return s.recs;
  }

  uint32_t begin = 0;
  uint32_t end = static_cast<uint32_t>(s.recs.size());
  for (uint32_t depth = 0; depth < spec.max_depth && begin < end; ++depth) {
    for (uint32_t r = begin; r < end; ++r) {
      const EntityIdx node = s.recs[r].node;
      std::span<const graph::Edge> edges = spec.up ? g.in(node) : g.out(node);
      bool hit_target = false;
      for (const graph::Edge& ed : edges) {
        if (!(spec.kinds & KindBit(ed.kind))) continue;
        const EntityIdx o = ed.other;
        if (s.Seen(o)) {
          Record& old = s.recs[s.RecOf(o)];
          if (old.parent == r && old.depth == depth + 1 &&
              EdgeLess(g, ed, *old.via))
            old.via = &ed;
          continue;
        }
        s.Mark(o, static_cast<uint32_t>(s.recs.size()));
        s.recs.push_back({o, r, &ed, depth + 1, !spec.up});
        if (o == spec.target) hit_target = true;
      }
      if (hit_target) {
        if (target_rec) *target_rec = s.RecOf(spec.target);
        return s.recs;
      }
    }
    begin = end;
    end = static_cast<uint32_t>(s.recs.size());
    SortLevel(g, s, begin, end);
  }
  return s.recs;
}

Hop HopOf(std::span<const Record> recs, uint32_t r) {
  const Record& rec = recs[r];
  const graph::Edge& ed = *rec.via;
  Hop h;
  if (rec.via_out) {
    h.from = recs[rec.parent].node;
    h.to = rec.node;
  } else {
    h.from = rec.node;
    h.to = recs[rec.parent].node;
  }
  h.kind = ed.kind;
  h.confidence = ed.confidence;
  h.file = ed.file;
  h.line = ed.line;
  h.flags = ed.flags;
  return h;
}

std::vector<Hit> ToHits(std::span<const Record> recs, bool up) {
  std::vector<Hit> hits;
  size_t n = 0;
  for (const Record& r : recs) n += r.depth > 0;
  hits.reserve(n);
  for (uint32_t i = 0; i < recs.size(); ++i) {
    if (recs[i].depth == 0) continue;
    Hit h;
    h.entity = recs[i].node;
    h.depth = recs[i].depth;
    size_t hops = 0;
    for (uint32_t r = i; recs[r].parent != kNoRecord; r = recs[r].parent)
      ++hops;
    h.path.reserve(hops);
    for (uint32_t r = i; recs[r].parent != kNoRecord; r = recs[r].parent)
      h.path.push_back(HopOf(recs, r));
    if (!up) std::reverse(h.path.begin(), h.path.end());
    hits.push_back(std::move(h));
  }
  return hits;
}

}  // namespace aim::query::internal

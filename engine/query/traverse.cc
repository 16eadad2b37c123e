// The breadth-first walk under every dependency query.
#include "engine/query/traverse.h"

#include <algorithm>

namespace aim::query::internal {
namespace {

inline void Prefetch(const void* p) { __builtin_prefetch(p); }

// Per-thread scratch, reused by every walk: a bit per slot (reached by the
// walk in progress), the records, and where a chunk's lists are.
//
// The bits take 32 KB for a graph of 256k slots, so they stay in the
// nearest cache where a slot number per slot (1 MB) would not; a walk
// clears the bits of the walk before it, one per record.
struct Scratch {
  std::vector<uint64_t> seen;
  std::vector<Record> recs;
  // A chunk of a level being expanded: its nodes' adjacency lists.
  std::vector<std::span<const graph::Edge>> adj;

  void Begin(size_t slots) {
    // Every set bit is a record's (a record is pushed before its bit is
    // set, so a walk cut short by an exception leaves none behind).
    for (const Record& r : recs)
      seen[r.node >> 6] &= ~(uint64_t{1} << (r.node & 63));
    recs.clear();
    if (seen.size() < (slots + 63) / 64) seen.resize((slots + 63) / 64, 0);
  }
  bool Seen(EntityIdx e) const { return (seen[e >> 6] >> (e & 63)) & 1; }
  // Appends the record of entity `rec.node`, which was not seen.
  void Add(const Record& rec) {
    recs.push_back(rec);
    seen[rec.node >> 6] |= uint64_t{1} << (rec.node & 63);
  }
};

Scratch& TheScratch() {
  thread_local Scratch s;
  return s;
}

// The hop along `ed` (an edge of an adjacency list) from `from` to `to`.
Hop HopAlong(const graph::Edge& ed, EntityIdx from, EntityIdx to) {
  Hop h;
  h.from = from;
  h.to = to;
  h.kind = ed.kind;
  h.confidence = ed.confidence;
  h.file = ed.file;
  h.line = ed.line;
  h.flags = ed.flags;
  return h;
}

// Calls fn(edge) for each other end of `list` reached by an edge of a
// wanted kind (KindBit mask), with the least such edge. A list is in
// Graph::EdgeBefore order: its other ends by id, each in one run, least
// edge first (Graph::EdgeFieldsBefore), so that edge is the run's first of
// a wanted kind, and the rest of the run is passed over.
template <typename Fn>
void ForEachEnd(std::span<const graph::Edge> list, uint8_t kinds, Fn fn) {
  EntityIdx last = graph::kNoEntity;
  for (const graph::Edge& ed : list) {
    if (!(kinds & KindBit(ed.kind)) || ed.other == last) continue;
    last = ed.other;
    fn(ed);
  }
}

// Adds the children of record `r` reached by `contains` (out-edges) as
// depth-0 seeds, in the order of its list (by id).
void SeedChildren(const Graph& g, Scratch& s, uint32_t r, bool only_impls) {
  const EntityIdx node = s.recs[r].node;
  ForEachEnd(g.out(node), KindBit(EdgeKind::kContains),
             [&](const graph::Edge& ed) {
               if (only_impls && g.entity(ed.other).kind != EntityKind::kImpl)
                 return;
               if (!s.Seen(ed.other)) s.Add({ed.other, r, 0, true, ed});
             });
}

// Appends the level after records [begin, end) (all of depth `depth`).
// Returns true, leaving the level unfinished, once the target is reached
// (after the rest of the edges of the record that reached it).
//
// The level is taken in chunks of records, and a chunk in a pipeline: the
// record kD places ahead has where its list is read and its list
// prefetched, the one 2 kD ahead has where its list is prefetched, while
// this one's list is taken. A walk is bound by cache misses (hundreds of
// ns each on a virtual machine): the pipeline keeps a steady number of
// them in flight, where issuing a chunk's worth at once stalls on the
// first ones and overflows the core's buffers for the rest. (What the walk
// has reached is a bit per slot, in cache: no miss to overlap there.)
template <bool kTrackSure>
bool ExpandLevel(const Graph& g, Scratch& s, const WalkSpec& spec,
                 uint32_t begin, uint32_t end, uint32_t depth) {
  constexpr uint32_t kChunk = 256;
  for (uint32_t c = begin; c < end; c += kChunk) {
    const uint32_t c_end = std::min(end, c + kChunk);
    const uint32_t n = c_end - c;
    constexpr uint32_t kD = 12;
    s.adj.resize(n);
    auto list_of = [&](uint32_t i) {
      const EntityIdx node = s.recs[c + i].node;
      s.adj[i] = spec.up ? g.in(node) : g.out(node);
      Prefetch(s.adj[i].data());
    };
    for (uint32_t i = 0; i < std::min(n, 2 * kD); ++i)
      g.PrefetchList(s.recs[c + i].node, spec.up);
    for (uint32_t i = 0; i < std::min(n, kD); ++i) list_of(i);
    for (uint32_t i = 0; i < n; ++i) {
      if (i + 2 * kD < n) g.PrefetchList(s.recs[c + i + 2 * kD].node, spec.up);
      if (i + kD < n) list_of(i + kD);
      // A record reaches each other end of its list once, and an entity
      // seen before was reached first by an earlier record (or level),
      // which keeps it.
      const uint32_t r = c + i;
      bool reached_target = false;
      if constexpr (!kTrackSure) {
        ForEachEnd(s.adj[i], spec.kinds, [&](const graph::Edge& ed) {
          if (s.Seen(ed.other)) return;
          s.Add({ed.other, r, depth + 1, !spec.up, ed});
          reached_target |= ed.other == spec.target;
        });
        if (reached_target) return true;
        continue;
      }
      // (As ForEachEnd, but the rest of a run still says whether an edge
      // of it is sure.)
      EntityIdx last = graph::kNoEntity;
      uint32_t last_rec = kNoRecord;  // the record `last` was given, if any
      for (const graph::Edge& ed : s.adj[i]) {
        if (!(spec.kinds & KindBit(ed.kind))) continue;
        const bool sure = ed.confidence != model::Confidence::kAmbiguous;
        if (ed.other == last) {
          if (sure && last_rec != kNoRecord) s.recs[last_rec].sure = true;
          continue;
        }
        last = ed.other;
        last_rec = kNoRecord;
        if (s.Seen(ed.other)) continue;
        last_rec = static_cast<uint32_t>(s.recs.size());
        s.Add({ed.other, r, depth + 1, !spec.up, ed, sure});
        reached_target |= ed.other == spec.target;
      }
      if (reached_target) return true;
    }
  }
  return false;
}

}  // namespace

bool QualifiedLess(const Graph& g, EntityIdx a, EntityIdx b) {
  const graph::Entity& ea = g.entity(a);
  const graph::Entity& eb = g.entity(b);
  int c = g.qualified(ea).compare(g.qualified(eb));
  return c != 0 ? c < 0 : ea.id < eb.id;
}

std::span<const Record> Walk(const Graph& g, EntityIdx start,
                             const WalkSpec& spec, uint32_t* target_rec) {
  Scratch& s = TheScratch();
  s.Begin(g.slot_count());
  if (target_rec) *target_rec = kNoRecord;
  if (!g.live(start)) return {};
  s.Add({start, kNoRecord, 0, false, graph::Edge{}});
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
    const bool reached =
        spec.track_sure ? ExpandLevel<true>(g, s, spec, begin, end, depth)
                        : ExpandLevel<false>(g, s, spec, begin, end, depth);
    if (reached) {
      if (target_rec) {  // in the level being made, the last one
        uint32_t r = static_cast<uint32_t>(s.recs.size());
        while (s.recs[--r].node != spec.target) {
        }
        *target_rec = r;
      }
      return s.recs;
    }
    begin = end;
    end = static_cast<uint32_t>(s.recs.size());
  }
  return s.recs;
}

Hits OneHop(const Graph& g, EntityIdx start, bool up, uint8_t kinds) {
  Hits hits(up);
  if (!g.live(start)) return hits;
  // The list's other ends come by id (ForEachEnd), each with its least
  // edge: the answer is read off in order, no ids to load, nothing to sort.
  const std::span<const graph::Edge> edges = up ? g.in(start) : g.out(start);
  // At most one hit per edge of a wanted kind (a hub's list may hold tens
  // of thousands of edges of other kinds: reserve for these only).
  size_t wanted = 0;
  for (const graph::Edge& ed : edges) wanted += (kinds & KindBit(ed.kind)) != 0;
  hits.list().reserve(wanted);
  hits.steps().reserve(wanted);
  ForEachEnd(edges, kinds, [&](const graph::Edge& ed) {
    if (ed.other == start) return;
    const Hop hop = HopAlong(ed, up ? ed.other : start, up ? start : ed.other);
    hits.list().push_back({ed.other, 1, hits.AddStep(hop, Hits::kNoStep)});
  });
  return hits;
}

Hop HopOf(std::span<const Record> recs, uint32_t r) {
  const Record& rec = recs[r];
  const EntityIdx parent = recs[rec.parent].node;
  return rec.via_out ? HopAlong(rec.via, parent, rec.node)
                     : HopAlong(rec.via, rec.node, parent);
}

Hits ToHits(std::span<const Record> recs, bool up) {
  Hits hits(up);
  if (recs.size() < 2) return hits;
  std::vector<Hits::Step>& steps = hits.steps();
  steps.resize(recs.size() - 1);
  size_t n = 0;
  for (uint32_t r = 1; r < recs.size(); ++r) {
    const uint32_t parent = recs[r].parent;
    steps[r - 1] = {HopOf(recs, r), parent == 0 ? Hits::kNoStep : parent - 1};
    n += recs[r].depth > 0;
  }
  std::vector<Hit>& list = hits.list();
  list.reserve(n);
  for (uint32_t r = 1; r < recs.size(); ++r)
    if (recs[r].depth > 0) list.push_back({recs[r].node, recs[r].depth, r - 1});
  return hits;
}

}  // namespace aim::query::internal

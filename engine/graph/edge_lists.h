// Edges, and one direction's adjacency lists of a graph: every list in one
// array (an arena), each list a run of it.
#ifndef AIM_ENGINE_GRAPH_EDGE_LISTS_H_
#define AIM_ENGINE_GRAPH_EDGE_LISTS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/kinds.h"
#include "engine/model/strings.h"

namespace aim::graph {

using model::Confidence;
using model::EdgeKind;
using model::StrId;

using EntityIdx = uint32_t;
inline constexpr EntityIdx kNoEntity = UINT32_MAX;

// The greatest line an edge holds: a reference written further down a
// file (past 16.7 million lines) is placed at this line.
inline constexpr uint32_t kMaxEdgeLine = (1u << 24) - 1;

// An edge as stored in an adjacency list: `other` is the target in an
// out-list and the source in an in-list. 12 bytes: the line, kind,
// confidence and flags share a word (every edge is held twice, once in
// each of its ends' lists).
struct Edge {
  Edge() = default;
  Edge(EntityIdx other_end, StrId at_file, uint32_t at_line, EdgeKind k,
       Confidence c, uint8_t edge_flags)
      : other(other_end),
        file(at_file),
        line(at_line < kMaxEdgeLine ? at_line : kMaxEdgeLine),
        kind(k),
        confidence(c),
        flags(edge_flags & 7) {}

  EntityIdx other = kNoEntity;
  StrId file = 0;          // where the reference was written
  uint32_t line : 24 = 0;  // at most kMaxEdgeLine
  EdgeKind kind : 3 = EdgeKind::kCalls;
  Confidence confidence : 2 = Confidence::kExact;
  uint8_t flags : 3 = 0;
};
static_assert(sizeof(Edge) == 12);
static_assert(model::kEdgeKindCount <= 8);

// The lists of one direction, one per entity slot, all in one array of
// edges: a list is a run of it (8 bytes per slot and 12 per edge, against
// a vector per list with its header, allocation and spare room).
//
// A list loaded whole, or laid out again by Compact, has no spare room:
// the first edge it takes moves it to the end of the array, into room for
// a power of two of edges, where it grows in place until that is full. The
// room it left is dead until Compact; MaybeCompact compacts once the room
// no list fills (dead, or spare in a grown list) is over half of what the
// lists hold. Spans handed out are valid until the next change to any
// list.
class EdgeLists {
 public:
  size_t slots() const { return heads_.size(); }
  std::span<const Edge> operator[](EntityIdx e) const {
    const Head h = heads_[e];
    return {edges_.data() + h.begin, h.size & kSizeMask};
  }
  std::span<Edge> Mutable(EntityIdx e) {
    const Head h = heads_[e];
    return {edges_.data() + h.begin, h.size & kSizeMask};
  }
  // Where list e is found (for prefetching).
  const void* HeadOf(EntityIdx e) const { return &heads_[e]; }

  // An empty list for a new slot at the end.
  void AddSlot() { heads_.push_back({}); }
  // Inserts `ed` before position `at` of list e (at <= its size).
  void Insert(EntityIdx e, size_t at, const Edge& ed);
  void PushBack(EntityIdx e, const Edge& ed) {
    Insert(e, heads_[e].size & kSizeMask, ed);
  }
  void Erase(EntityIdx e, size_t at);
  // Keeps the first n edges of list e (n <= its size).
  void Truncate(EntityIdx e, size_t n);
  // Empties list e and gives its room up.
  void Clear(EntityIdx e);

  // Replaces everything with `sizes.size()` lists, list s of sizes[s]
  // edges (default ones, to be written through Mutable), laid out back to
  // back in slot order with no room between.
  void Layout(std::span<const uint32_t> sizes);
  // Lays every list out again back to back, giving up the dead room.
  void Compact();
  // Compact, if the room no list fills (dead room, and grown lists'
  // spare room) is over half of what the lists hold, and the array is not
  // small.
  void MaybeCompact();

  size_t MemoryBytes() const {
    return heads_.capacity() * sizeof(Head) + edges_.capacity() * sizeof(Edge);
  }

 private:
  // Set in Head::size when the list's room is a power of two of edges (it
  // moved to the end of the array); else its room is its size.
  static constexpr uint32_t kGrown = 1u << 31;
  static constexpr uint32_t kSizeMask = kGrown - 1;
  static constexpr uint32_t kMinRoom = 2;
  struct Head {
    uint32_t begin = 0;  // index into edges_
    uint32_t size = 0;   // edges, | kGrown
  };
  // The room list `h` is known to have (at least its size).
  static uint32_t Room(Head h);

  std::vector<Head> heads_;
  std::vector<Edge> edges_;
  size_t held_ = 0;  // edges in lists (edges_ holds room for more)
};

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_EDGE_LISTS_H_

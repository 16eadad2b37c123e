// Queries: pure functions over a graph (no threads, no I/O, no mutation).
// Each takes the graph and returns results in a deterministic order: the
// same for equal graphs (equal Digest), whatever edits built them. A start
// that is not a live entity gives an empty result.
//
// Thread-safety: queries may run concurrently on a graph nobody is
// writing. Walks keep per-thread scratch (4 bytes per graph slot, grown on
// a thread's first walk over a larger graph, plus buffers as large as the
// largest walk), so a query allocates little more than its result.
//
// Functions that take a `const SearchIndex*` may be given nullptr; an
// index given must be in sync with the graph (built or synced since its
// last change), and then changes only the cost, never the answer.
//
// Names in queries: a qualified path (`tokio::net::TcpStream`), a suffix of
// one (`TcpStream::connect`) or a bare name (`connect`). FindEntity turns a
// name into entities; an ambiguous name gives the candidates and an unknown
// one gives near matches to suggest.
#ifndef AIM_ENGINE_QUERY_QUERY_H_
#define AIM_ENGINE_QUERY_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "engine/graph/graph.h"

namespace aim::query {

using graph::EntityIdx;
using graph::Graph;
using model::Confidence;
using model::EdgeKind;
using model::EntityKind;

// One edge on the way to a hit, in the direction it points in the graph.
struct Hop {
  EntityIdx from = graph::kNoEntity;
  EntityIdx to = graph::kNoEntity;
  EdgeKind kind = EdgeKind::kCalls;
  Confidence confidence = Confidence::kExact;
  model::StrId file = 0;
  uint32_t line = 0;
  uint8_t flags = 0;  // graph::kEdge* flags
  bool operator==(const Hop&) const = default;
};

// The edges that led to a hit, in order. Two hops are held inline.
using Path = absl::InlinedVector<Hop, 2>;

// An entity a query reached. Queries that walk the graph list each entity
// once (never the start itself), nearest first; within one depth, in the
// order the walk reached them: level by level, each entity's adjacency list
// in order, and every list is in the order of the other ends' ids. So the
// order depends only on the graph's content, not on the edits that built
// it, and costs no sort and no string comparisons (SortByQualified gives a
// display order). Queries of one hop list their hits by id. A hit's path
// (Hits::PathOf) is the chain of edges that first reached it.
struct Hit {
  EntityIdx entity = graph::kNoEntity;
  uint32_t depth = 0;  // hops from the start, members not counted
  uint32_t step = UINT32_MAX;  // its last hop in Hits::steps (none: MAX)
};

// The hits of a query and the edges that reached them.
//
// A walk reaches each entity once, from one parent, so the edges to its
// hits form a tree rooted at the start. Each edge is stored once, as a
// step that names the step before it, and a hit's path is read off the
// tree when asked for: a blast radius of a thousand hits, whose paths run
// three to five hops, costs two arrays rather than an allocation per hit.
//
// Paths: for queries that follow edges forward (callees, uses, blast
// radius down) a path runs from the start to the hit; for queries that
// follow them backward (callers, used-by, what-implements, blast radius
// up) from the hit to the start. Either way each Hop keeps the edge's own
// direction, so `contains` hops that step from a type into its members
// (see BlastRadius) point the other way.
class Hits {
 public:
  static constexpr uint32_t kNoStep = UINT32_MAX;
  struct Step {
    Hop hop;
    uint32_t prev = kNoStep;  // the step nearer the start
  };

  Hits() = default;
  // `up`: the walk followed edges backward (paths run hit to start).
  explicit Hits(bool up) : up_(up) {}

  // The hits, in the query's order, or as SortByQualified left them; they
  // may be reordered or dropped freely (their steps stay valid).
  std::vector<Hit>& list() { return list_; }
  const std::vector<Hit>& list() const { return list_; }
  size_t size() const { return list_.size(); }
  bool empty() const { return list_.empty(); }
  const Hit& operator[](size_t i) const { return list_[i]; }
  std::vector<Hit>::const_iterator begin() const { return list_.begin(); }
  std::vector<Hit>::const_iterator end() const { return list_.end(); }

  // The path of a hit of this list, in the order described above.
  Path PathOf(const Hit& h) const;
  // Its number of hops (at least the hit's depth; members add hops).
  size_t PathLength(const Hit& h) const;

  // ---- building (queries)
  std::vector<Step>& steps() { return steps_; }
  // Adds a step; returns its index.
  uint32_t AddStep(const Hop& hop, uint32_t prev) {
    steps_.push_back({hop, prev});
    return static_cast<uint32_t>(steps_.size() - 1);
  }
  // Adds a hit reached by `path`, given in this list's path order.
  void AddWithPath(EntityIdx entity, uint32_t depth, const Path& path);

 private:
  std::vector<Hit> list_;
  std::vector<Step> steps_;
  bool up_ = true;
};

class SearchIndex;  // engine/query/search_index.h

struct NameLookup {
  enum Status { kFound, kAmbiguous, kNotFound } status = kNotFound;
  // kFound: exactly one; kAmbiguous: all of them, by qualified path.
  std::vector<EntityIdx> candidates;
  // kNotFound: qualified paths of near matches, best first (at most 10):
  // names within a small edit distance of the last segment (case ignored),
  // then names containing it.
  std::vector<std::string> suggestions;
};

// Resolves a query name: exact qualified path, then qualified suffix on a
// `::` boundary (a bare name is the suffix case of one segment), then the
// path followed from a module named by its first segment through what
// each step holds and re-exports (`pub use`, glob imports, a type's impls:
// `tokio::net::TcpStream::connect` for the method defined under
// `tokio::net::tcp::stream`; an import renamed with `as` is not followed).
// Externals and impl blocks are candidates only if nothing else matches.
// Suggestions rank names sharing more of the query's segments first. `kind`,
// when set, filters candidates; an external passes any kind filter (its
// kind is unknown: `Debug` is a fine target for what-implements).
// Matching is case-sensitive; suggestions are not. With an index,
// suggestions come from it instead of a scan of every entity (the lookup
// itself never scans).
NameLookup FindEntity(const Graph& g, std::string_view name,
                      std::optional<EntityKind> kind = std::nullopt);
NameLookup FindEntity(const Graph& g, const SearchIndex& index,
                      std::string_view name,
                      std::optional<EntityKind> kind = std::nullopt);

enum class Direction { kUp, kDown };  // up: dependents; down: dependencies

// Orders hits for display: by depth, then by qualified path, then by id.
void SortByQualified(const Graph& g, Hits& hits);
// The same order, of which only the first `limit` hits are put in place
// (the rest follow in no particular order). With an index (in sync with
// `g`), entities compare by their ranks in it (SearchIndex::QualifiedRank)
// where both have one: integers rather than strings.
void SortByQualified(const Graph& g, const SearchIndex* index, Hits& hits,
                     size_t limit = SIZE_MAX);

// Sources of `implements` edges to `trait`, depth 1: types (derives
// included, flagged kEdgeDerive), and impl blocks where the graph has no
// type to name: blanket impls (flagged kEdgeBlanket) and impls for
// references, tuples and the like (`impl T for &X`).
Hits WhatImplements(const Graph& g, EntityIdx trait);
// Who calls `fn` (reverse `calls`), transitively up to `depth` hops.
Hits Callers(const Graph& g, EntityIdx fn, uint32_t depth = 1);
// What `fn` calls, up to `depth` hops.
Hits Callees(const Graph& g, EntityIdx fn, uint32_t depth = 1);
// Types `e` names in its signature, fields or bounds (`uses` edges).
Hits Uses(const Graph& g, EntityIdx e);
// Items whose signature, fields or bounds name `type`.
Hits UsedBy(const Graph& g, EntityIdx type);
// What is affected if `e` changes, breadth first up to `depth` hops.
//  kUp: dependents, following `calls`, `implements`, `uses` and `imports`
//    edges backward (callers, implementors, users, importers).
//  kDown: dependencies, the same kinds forward.
// When `e` is a type or trait, its members count as part of it: the impl
// blocks the type contains and their items, or the trait's items, are
// walked from at depth 0 (they are not hits themselves), so the callers of
// a type's methods are at depth 1 and their paths end (up) or begin (down)
// with the `contains` hops into the member. Members of the hits are not
// followed.
Hits BlastRadius(const Graph& g, EntityIdx e, uint32_t depth = 3,
                 Direction dir = Direction::kUp);

enum class CycleScope { kCalls, kModules };
// Strongly connected components with more than one member (or a self
// loop): over `calls` edges, or over module imports. Each cycle is sorted
// by qualified path; cycles are sorted by their first member.
//  kModules: module A -> module B when something in A (A itself, or an
//  item nested in it below any other module) imports B or an item whose
//  nearest enclosing module is B; A != B. Imports of externals are left
//  out. Nesting follows `contains` edges up to the first module.
std::vector<std::vector<EntityIdx>> Cycles(const Graph& g, CycleScope scope);

// A shortest dependency path from `a` to `b` following calls, uses,
// implements, imports and contains edges forward; nullopt if there is
// none, an empty path if a == b. Ties are broken deterministically.
std::optional<Path> ShortestPath(const Graph& g, EntityIdx a, EntityIdx b);

struct SearchHit {
  EntityIdx entity = graph::kNoEntity;
  enum Match { kExactName, kPrefixName, kExactQualified, kSubstring } match;
};
// Exact, prefix and substring matches over names and qualified paths,
// ranked by Match in the order declared (exact name, name prefix, exact
// qualified path, substring of the qualified path, of which the name is
// the last segment); within a rank shorter names first, then shorter
// qualified paths, then by qualified path. ASCII case is ignored. At most
// `limit`, each entity once. Without an index this scans every entity
// (milliseconds on a large graph); with one it answers in microseconds.
std::vector<SearchHit> Search(const Graph& g, std::string_view text,
                              size_t limit = 20);
std::vector<SearchHit> Search(const Graph& g, const SearchIndex& index,
                              std::string_view text, size_t limit = 20);

// A deterministic, token-budgeted context pack for an LLM about `e`: its
// signature and location, then its callers, callees, implementors and used
// types, nearest first, bodies elided. Tokens are estimated as bytes / 4
// and the pack never exceeds `budget_tokens * 4` bytes. Layout (Markdown):
//   # <qualified> (<kind>)
//   <signature>
//   at <file>:<line>
//   ## members | callers | callees | implementors | uses
//   - [<depth>] <qualified> (<kind>[, ambiguous]) <file>:<line>: <signature>
// Members are listed for a type or trait; callers and callees up to two
// hops. An entity reached only through an ambiguous link (`x.run()` linked
// to every method `run`), or through one so marked, is marked `ambiguous`.
// Lines are chosen nearest first across sections (all depth-1 lines, the
// sure ones in section order and then the ambiguous ones, before any
// depth-2 line) until the next one does not fit; then a final line says
// how many were left out.
std::string Context(const Graph& g, EntityIdx e, uint32_t budget_tokens = 2000);
// The same pack; with an index (in sync with `g`), ordering the lines
// compares ranks rather than paths (see SortByQualified).
std::string Context(const Graph& g, const SearchIndex* index, EntityIdx e,
                    uint32_t budget_tokens = 2000);

}  // namespace aim::query

#endif  // AIM_ENGINE_QUERY_QUERY_H_

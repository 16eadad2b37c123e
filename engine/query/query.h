// Queries: pure functions over a graph (no threads, no I/O, no mutation).
// Each takes the graph and returns results in a deterministic order.
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
};

struct Hit {
  EntityIdx entity = graph::kNoEntity;
  uint32_t depth = 0;      // hops from the start
  std::vector<Hop> path;   // from the start (or to it, for reverse queries)
};

struct NameLookup {
  enum Status { kFound, kAmbiguous, kNotFound } status = kNotFound;
  std::vector<EntityIdx> candidates;  // kFound: exactly one
  std::vector<std::string> suggestions;  // kNotFound: near matches
};

// Resolves a query name: exact qualified path, then qualified suffix on a
// `::` boundary, then bare name. Externals and impl blocks are candidates
// only if nothing else matches. `kind`, when set, filters candidates.
NameLookup FindEntity(const Graph& g, std::string_view name,
                      std::optional<EntityKind> kind = std::nullopt);

enum class Direction { kUp, kDown };  // up: dependents; down: dependencies

// Types (or impls, for blanket impls) with an `implements` edge to `trait`.
std::vector<Hit> WhatImplements(const Graph& g, EntityIdx trait);
// Who calls `fn` (reverse `calls`), transitively up to `depth` hops.
std::vector<Hit> Callers(const Graph& g, EntityIdx fn, uint32_t depth = 1);
// What `fn` calls, up to `depth` hops.
std::vector<Hit> Callees(const Graph& g, EntityIdx fn, uint32_t depth = 1);
// Types `e` names in its signature, fields or bounds (`uses` edges).
std::vector<Hit> Uses(const Graph& g, EntityIdx e);
// Items whose signature, fields or bounds name `type`.
std::vector<Hit> UsedBy(const Graph& g, EntityIdx type);
// What is affected if `e` changes: its dependents (callers, implementors,
// users; and, for a trait or type, the dependents of its members) up to
// `depth` hops (kUp), or its dependencies (kDown). Each hit carries the
// edge path that reached it.
std::vector<Hit> BlastRadius(const Graph& g, EntityIdx e, uint32_t depth = 3,
                             Direction dir = Direction::kUp);

enum class CycleScope { kCalls, kModules };
// Strongly connected components with more than one member (or a self
// loop): over `calls` edges, or over module imports. Each cycle is sorted
// by qualified path; cycles are sorted by their first member.
std::vector<std::vector<EntityIdx>> Cycles(const Graph& g, CycleScope scope);

// A shortest dependency path from `a` to `b` over calls, uses, implements,
// imports and contains edges; empty if there is none.
std::optional<std::vector<Hop>> ShortestPath(const Graph& g, EntityIdx a,
                                             EntityIdx b);

struct SearchHit {
  EntityIdx entity = graph::kNoEntity;
  enum Match { kExactName, kPrefixName, kExactQualified, kSubstring } match;
};
// Exact, prefix and substring matches over names and qualified paths,
// ranked (exact name first, then prefix, then substring; shorter names
// first within a rank), at most `limit`.
std::vector<SearchHit> Search(const Graph& g, std::string_view text,
                              size_t limit = 20);

// A deterministic, token-budgeted context pack for an LLM about `e`: its
// signature and location, then its callers, callees, implementors and used
// types, nearest first, bodies elided. Tokens are estimated as bytes / 4.
std::string Context(const Graph& g, EntityIdx e, uint32_t budget_tokens = 2000);

}  // namespace aim::query

#endif  // AIM_ENGINE_QUERY_QUERY_H_

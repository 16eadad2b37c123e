// Helpers for query tests: the zoo graph, and hits rendered as strings so
// that expectations read as text.
#ifndef AIM_TESTS_QUERY_QUERY_TEST_UTIL_H_
#define AIM_TESTS_QUERY_QUERY_TEST_UTIL_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph/graph.h"
#include "engine/query/query.h"
#include "tests/query/zoo_fixture.h"
#include "tests/support/graph_fixture.h"

namespace aim::testing {

inline std::unique_ptr<graph::Graph> ZooGraph() {
  auto g = std::make_unique<graph::Graph>();
  IngestAll(*g, FromSources("zoo", ZooSources()));
  return g;
}

// The graph of a crate from the Debian registry (regex-syntax by default:
// hubs with hundreds of callers), or null when it is not installed.
inline std::unique_ptr<graph::Graph> RealCrateGraph(
    const std::string& crate = "regex-syntax-0.6.27") {
  const std::string dir = std::string(AIM_CARGO_REGISTRY) + "/" + crate;
  if (!std::filesystem::exists(dir)) return nullptr;
  auto g = std::make_unique<graph::Graph>();
  IngestAll(*g, LoadTree(dir));
  return g;
}

inline std::string Q(const graph::Graph& g, graph::EntityIdx e) {
  return g.qualified(e).str();
}

// The one entity named `name` (the test fails loudly otherwise).
inline graph::EntityIdx Find(const graph::Graph& g, std::string_view name) {
  query::NameLookup l = query::FindEntity(g, name);
  if (l.status != query::NameLookup::kFound) return graph::kNoEntity;
  return l.candidates[0];
}

// "kind from -> to @file:line" plus " derive"/" blanket"/" macro" and the
// confidence when it is not exact.
inline std::string HopString(const graph::Graph& g, const query::Hop& h) {
  std::string s = std::string(model::EdgeKindName(h.kind)) + " " +
                  Q(g, h.from) + " -> " + Q(g, h.to) + " @" +
                  std::string(g.str(h.file)) + ":" + std::to_string(h.line);
  if (h.confidence != model::Confidence::kExact)
    s += " " + std::string(model::ConfidenceName(h.confidence));
  if (h.flags & graph::kEdgeDerive) s += " derive";
  if (h.flags & graph::kEdgeBlanket) s += " blanket";
  if (h.flags & graph::kEdgeInMacro) s += " macro";
  return s;
}

// "depth qualified", by depth then qualified path.
inline std::vector<std::string> HitStrings(const graph::Graph& g,
                                           query::Hits hits) {
  query::SortByQualified(g, hits);
  std::vector<std::string> out;
  for (const auto& h : hits)
    out.push_back(std::to_string(h.depth) + " " + Q(g, h.entity));
  return out;
}

// Whether `path` is a chain of edges from `a` to `b`: consecutive hops
// share an endpoint, the first touches `a`, the last touches `b`.
inline bool IsChain(const query::Path& path, graph::EntityIdx a,
                    graph::EntityIdx b) {
  if (path.empty()) return a == b;
  auto touches = [](const query::Hop& h, graph::EntityIdx e) {
    return h.from == e || h.to == e;
  };
  graph::EntityIdx at = a;
  for (const query::Hop& h : path) {
    if (!touches(h, at)) return false;
    at = h.from == at ? h.to : h.from;
  }
  return at == b;
}

inline std::vector<std::string> PathStrings(const graph::Graph& g,
                                            const query::Path& path) {
  std::vector<std::string> out;
  for (const auto& h : path) out.push_back(HopString(g, h));
  return out;
}

// The hit for `name` in `hits` (nullptr if absent).
inline const query::Hit* HitFor(const graph::Graph& g,
                                const query::Hits& hits,
                                std::string_view qualified) {
  for (const auto& h : hits)
    if (Q(g, h.entity) == qualified) return &h;
  return nullptr;
}

}  // namespace aim::testing

#endif  // AIM_TESTS_QUERY_QUERY_TEST_UTIL_H_

// Query dispatch: request -> query functions -> public result types.
#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "actors/engine_impl.h"
#include "engine/query/query.h"
#include "engine/query/search_index.h"

namespace aim::host {
namespace {

using graph::EntityIdx;
using graph::Graph;

QueryHit ToHit(const Graph& g, const query::Hits& hits, const query::Hit& h) {
  QueryHit out;
  out.entity = ToEntityInfo(g, h.entity);
  out.depth = h.depth;
  const query::Path path = hits.PathOf(h);
  out.path.reserve(path.size());
  for (const query::Hop& hop : path) {
    graph::Edge e;
    e.other = hop.to;
    e.file = hop.file;
    e.line = hop.line;
    e.kind = hop.kind;
    e.confidence = hop.confidence;
    e.flags = hop.flags;
    out.path.push_back(ToEdgeInfo(g, hop.from, e));
  }
  return out;
}

// Resolves the name argument `name`; fills `result` for ambiguity.
// Returns the entity, kNoEntity (ambiguous, result filled), or an error.
query::NameLookup Find(const Graph& g, const query::SearchIndex* index,
                       const std::string& name,
                       std::optional<model::EntityKind> kind) {
  return index ? query::FindEntity(g, *index, name, kind)
               : query::FindEntity(g, name, kind);
}

absl::StatusOr<EntityIdx> Target(const Graph& g,
                                 const query::SearchIndex* index,
                                 const std::string& name,
                                 std::optional<model::EntityKind> kind,
                                 const char* kind_word, QueryResult& result,
                                 bool prefer_callable = false) {
  query::NameLookup look = Find(g, index, name, kind);
  if (look.status == query::NameLookup::kAmbiguous && prefer_callable) {
    // Callers and callees of a name that is both a fn and something else
    // (`tokio::spawn`: the fn and its module): the one fn.
    std::vector<EntityIdx> callable;
    for (EntityIdx c : look.candidates)
      if (model::IsCallable(g.entity(c).kind)) callable.push_back(c);
    if (callable.size() == 1) {
      look.status = query::NameLookup::kFound;
      look.candidates = std::move(callable);
    }
  }
  if (look.status == query::NameLookup::kNotFound && kind) {
    // Exists, but is not of the kind the query needs?
    query::NameLookup any = Find(g, index, name, std::nullopt);
    if (any.status == query::NameLookup::kFound) {
      const auto& e = g.entity(any.candidates[0]);
      return absl::InvalidArgumentError(absl::StrCat(
          "`", g.qualified(e).str(), "` is a ",
          std::string(model::EntityKindName(e.kind)), ", not a ", kind_word));
    }
    look = std::move(any);
  }
  switch (look.status) {
    case query::NameLookup::kFound:
      result.target.push_back(ToEntityInfo(g, look.candidates[0]));
      return look.candidates[0];
    case query::NameLookup::kAmbiguous:
      result.ambiguous = true;
      for (EntityIdx c : look.candidates)
        result.target.push_back(ToEntityInfo(g, c));
      return graph::kNoEntity;
    case query::NameLookup::kNotFound:
      break;
  }
  std::string msg = absl::StrCat("unknown name `", name, "`");
  if (!look.suggestions.empty())
    absl::StrAppend(
        &msg, "; did you mean: ", absl::StrJoin(look.suggestions, ", "), "?");
  return absl::NotFoundError(msg);
}

}  // namespace

absl::StatusOr<QueryResult> RunQuery(const Graph& g,
                                     const query::SearchIndex* index,
                                     const QueryRequest& req) {
  auto start = std::chrono::steady_clock::now();
  QueryResult result;
  result.query = req.kind;
  const std::string& k = req.kind;
  auto need = [&](size_t n) -> absl::Status {
    if (req.args.size() != n)
      return absl::InvalidArgumentError(
          absl::StrCat("`", k, "` takes ", n, n == 1 ? " name" : " names",
                       ", got ", req.args.size()));
    return absl::OkStatus();
  };
  query::Hits hits;
  if (k == "cycles") {
    if (!req.args.empty())
      return absl::InvalidArgumentError("`cycles` takes no name");
    if (req.scope != "calls" && req.scope != "modules")
      return absl::InvalidArgumentError("--scope must be calls or modules");
    auto cycles =
        query::Cycles(g, req.scope == "modules" ? query::CycleScope::kModules
                                                : query::CycleScope::kCalls);
    result.total = cycles.size();
    for (const auto& c : cycles) {
      if (req.limit && result.cycles.size() >= req.limit) break;
      std::vector<EntityInfo> members;
      for (EntityIdx e : c) members.push_back(ToEntityInfo(g, e));
      result.cycles.push_back(std::move(members));
    }
  } else if (k == "search") {
    if (absl::Status s = need(1); !s.ok()) return s;
    const size_t limit = req.limit ? req.limit : 20;
    auto found = index ? query::Search(g, *index, req.args[0], limit)
                       : query::Search(g, req.args[0], limit);
    for (const auto& h : found) {
      QueryHit hit;
      hit.entity = ToEntityInfo(g, h.entity);
      result.results.push_back(std::move(hit));
    }
    result.total = result.results.size();
  } else if (k == "path") {
    if (absl::Status s = need(2); !s.ok()) return s;
    auto a = Target(g, index, req.args[0], std::nullopt, "", result);
    if (!a.ok()) return a.status();
    auto b = Target(g, index, req.args[1], std::nullopt, "", result);
    if (!b.ok()) return b.status();
    if (result.ambiguous) return result;
    auto path = query::ShortestPath(g, *a, *b);
    if (path) {
      hits = query::Hits(/*up=*/false);
      hits.AddWithPath(*b, static_cast<uint32_t>(path->size()), *path);
    }
  } else {
    if (absl::Status s = need(1); !s.ok()) return s;
    std::optional<model::EntityKind> kind;
    const char* word = "";
    if (k == "what-implements") {
      kind = model::EntityKind::kTrait;
      word = "trait";
    }
    if (k != "what-implements" && k != "blast-radius" && k != "callers" &&
        k != "callees" && k != "uses" && k != "used-by" && k != "context")
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown query `", k,
          "` (what-implements, blast-radius, callers, callees, uses, "
          "used-by, cycles, path, search, context)"));
    auto t = Target(g, index, req.args[0], kind, word, result,
                    /*prefer_callable=*/k == "callers" || k == "callees");
    if (!t.ok()) return t.status();
    if (result.ambiguous) return result;
    EntityIdx e = *t;
    if (k == "what-implements") {
      hits = query::WhatImplements(g, e);
    } else if (k == "blast-radius") {
      if (req.direction != "up" && req.direction != "down")
        return absl::InvalidArgumentError("--direction must be up or down");
      hits =
          query::BlastRadius(g, e, req.depth ? req.depth : 3,
                             req.direction == "down" ? query::Direction::kDown
                                                     : query::Direction::kUp);
      result.change = std::string(graph::ChangeName(
          static_cast<graph::Change>(g.entity(e).change)));
    } else if (k == "callers") {
      hits = query::Callers(g, e, req.depth ? req.depth : 1);
    } else if (k == "callees") {
      hits = query::Callees(g, e, req.depth ? req.depth : 1);
    } else if (k == "uses") {
      hits = query::Uses(g, e);
    } else if (k == "used-by") {
      hits = query::UsedBy(g, e);
    } else if (k == "context") {
      result.text = query::Context(g, index, e, req.budget);
    }
  }
  if (!hits.empty()) {
    result.total = hits.size();
    const size_t n = req.limit ? std::min(req.limit, hits.size()) : hits.size();
    // For people: by depth, then by path (only the first n need placing).
    query::SortByQualified(g, index, hits, n);
    result.results.reserve(n);
    for (size_t i = 0; i < n; ++i)
      result.results.push_back(ToHit(g, hits, hits[i]));
  }
  result.elapsed_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start)
          .count());
  return result;
}

}  // namespace aim::host

// Query latency on a graph of real crates: p50/p99/max per query kind,
// measured per call over many sampled targets (a mean hides the tail).
//
//   ./build/bench/query_bench                       # every installed crate
//   AIM_BENCH_CRATES=tokio-1.24.2,serde-1.0.152 ./build/bench/query_bench
//
// AIM_BENCH_CRATES defaults to "all" here. AIM_BENCH_SKIP (comma-separated
// directory names) leaves crates out.
//
// Counters: p50_us, p99_us, max_us (per call); hits, hits_p99 (result
// size: mean and 99th percentile; the tail of a walk is its largest
// results).
//
// BM_ResultDigest prints (to stderr) a digest of the answers to a fixed
// sample of every query kind, paths and display order included: an
// optimisation must leave it unchanged.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "actors/engine_impl.h"
#include "actors/workspace.h"
#include "aim/extract.h"
#include "bench/corpus.h"
#include "bench/measure.h"
#include "engine/graph/graph.h"
#include "engine/query/query.h"
#include "engine/query/search_index.h"

namespace {

using aim::graph::EntityIdx;
using aim::graph::Graph;
using aim::model::EdgeKind;
using aim::model::EntityKind;
namespace query = aim::query;

constexpr size_t kSamples = 20000;

std::vector<std::string> SkipList() {
  const char* env = std::getenv("AIM_BENCH_SKIP");
  std::string spec = env ? env : "";
  std::vector<std::string> out;
  std::stringstream ss(spec);
  for (std::string n; std::getline(ss, n, ',');)
    if (!n.empty()) out.push_back(n);
  return out;
}

struct World {
  Graph graph;
  query::SearchIndex index;
  size_t files = 0;
  double build_s = 0, index_s = 0;
  // Sample populations.
  std::vector<EntityIdx> callables, types, traits, named;
};

World& TheWorld() {
  static World* w = [] {
    auto* world = new World;
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::string> skip = SkipList();
    world->graph.BeginBatch();
    for (const std::string& dir : aim::bench::DefaultCorpusDirs()) {
      const std::string base = dir.substr(dir.rfind('/') + 1);
      if (std::find(skip.begin(), skip.end(), base) != skip.end()) continue;
      auto files = aim::host::ScanWorkspace(dir);
      if (!files.ok()) continue;
      for (auto& f : *files) {
        std::ifstream in(f.abs_path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        aim::graph::FileInput input = std::move(f.input);
        input.facts = aim::ExtractFacts(input.path, ss.str());
        input.path = base + "/" + input.path;  // unique across crates
        world->graph.UpsertFile(std::move(input));
        ++world->files;
      }
    }
    world->graph.EndBatch();
    const auto t1 = std::chrono::steady_clock::now();
    world->index.Rebuild(world->graph);
    const auto t2 = std::chrono::steady_clock::now();
    world->build_s = std::chrono::duration<double>(t1 - t0).count();
    world->index_s = std::chrono::duration<double>(t2 - t1).count();
    const Graph& g = world->graph;
    for (EntityIdx e : g.LiveEntities()) {
      const EntityKind k = g.entity(e).kind;
      if (aim::model::IsCallable(k)) world->callables.push_back(e);
      if (aim::model::IsType(k)) world->types.push_back(e);
      if (k == EntityKind::kTrait) {
        world->traits.push_back(e);
      } else if (k == EntityKind::kExternal) {
        for (const auto& ed : g.in(e))
          if (ed.kind == EdgeKind::kImplements) {
            world->traits.push_back(e);
            break;
          }
      }
      if (k != EntityKind::kExternal && k != EntityKind::kImpl)
        world->named.push_back(e);
    }
    std::cerr << "graph: " << world->files << " files, " << g.entity_count()
              << " entities, " << g.edge_count() << " edges, "
              << g.MemoryBytes() / 1000000 << " MB (resolution state "
              << g.Memory().resolution / 1000000 << " MB), built in "
              << world->build_s
              << " s; search index " << world->index.MemoryBytes() / 1000000
              << " MB, built in " << world->index_s << " s\n";
    return world;
  }();
  return *w;
}

using aim::bench::Sample;

// Runs `fn(i)` once per iteration over sample i, timing each call.
template <typename Fn>
void Measure(benchmark::State& state, size_t samples, Fn fn) {
  std::vector<double> ns;
  std::vector<double> sizes;
  ns.reserve(state.max_iterations);
  sizes.reserve(state.max_iterations);
  size_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const size_t n = fn(i % samples);
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    sizes.push_back(static_cast<double>(n));
    ++i;
  }
  if (ns.empty()) return;
  double total_hits = 0;
  for (double n : sizes) total_hits += n;
  std::sort(ns.begin(), ns.end());
  std::sort(sizes.begin(), sizes.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
  };
  state.counters["p50_us"] = pct(ns, 0.50) / 1e3;
  state.counters["p99_us"] = pct(ns, 0.99) / 1e3;
  state.counters["max_us"] = ns.back() / 1e3;
  state.counters["hits"] = total_hits / static_cast<double>(sizes.size());
  state.counters["hits_p99"] = pct(sizes, 0.99);
}

void BM_WhatImplements(benchmark::State& state) {
  World& w = TheWorld();
  const auto targets = Sample(w.traits, kSamples, 1);
  Measure(state, targets.size(), [&](size_t i) {
    auto r = query::WhatImplements(w.graph, targets[i]);
    benchmark::DoNotOptimize(r.list().data());
    return r.size();
  });
}

void BM_Callers(benchmark::State& state) {
  World& w = TheWorld();
  const auto targets = Sample(w.callables, kSamples, 2);
  const uint32_t depth = static_cast<uint32_t>(state.range(0));
  Measure(state, targets.size(), [&](size_t i) {
    auto r = query::Callers(w.graph, targets[i], depth);
    benchmark::DoNotOptimize(r.list().data());
    return r.size();
  });
}

void BM_Callees(benchmark::State& state) {
  World& w = TheWorld();
  const auto targets = Sample(w.callables, kSamples, 3);
  const uint32_t depth = static_cast<uint32_t>(state.range(0));
  Measure(state, targets.size(), [&](size_t i) {
    auto r = query::Callees(w.graph, targets[i], depth);
    benchmark::DoNotOptimize(r.list().data());
    return r.size();
  });
}

// range(0): 0 = callables, 1 = types and traits, 2 = any named item.
void BM_BlastRadius(benchmark::State& state) {
  World& w = TheWorld();
  const std::vector<EntityIdx>* pop[] = {&w.callables, &w.types, &w.named};
  const auto targets = Sample(*pop[state.range(0)], kSamples, 4);
  const auto dir =
      state.range(1) ? query::Direction::kDown : query::Direction::kUp;
  Measure(state, targets.size(), [&](size_t i) {
    auto r = query::BlastRadius(w.graph, targets[i], 3, dir);
    benchmark::DoNotOptimize(r.list().data());
    return r.size();
  });
}

void BM_UsedBy(benchmark::State& state) {
  World& w = TheWorld();
  const auto targets = Sample(w.types, kSamples, 5);
  Measure(state, targets.size(), [&](size_t i) {
    auto r = query::UsedBy(w.graph, targets[i]);
    benchmark::DoNotOptimize(r.list().data());
    return r.size();
  });
}

// range(0): 0 = a whole name, 1 = its first 3 bytes, 2 = 5 bytes from the
// middle of a qualified path; range(1): 1 = with the index, 0 = scan.
void BM_Search(benchmark::State& state) {
  World& w = TheWorld();
  const Graph& g = w.graph;
  const auto from = Sample(w.named, kSamples, 6);
  std::vector<std::string> queries;
  for (EntityIdx e : from) {
    std::string name(g.str(g.entity(e).name));
    std::string q(g.qualified(e).str());
    switch (state.range(0)) {
      case 0:
        queries.push_back(name);
        break;
      case 1:
        queries.push_back(name.substr(0, 3));
        break;
      default:
        queries.push_back(q.substr(q.size() / 2, 5));
        break;
    }
  }
  const bool indexed = state.range(1) != 0;
  Measure(state, queries.size(), [&](size_t i) {
    auto r = indexed ? query::Search(g, w.index, queries[i], 20)
                     : query::Search(g, queries[i], 20);
    benchmark::DoNotOptimize(r.data());
    return r.size();
  });
}

// range(0): 0 = bare name, 1 = qualified path, 2 = a typo (suggestions,
// with the index).
void BM_FindEntity(benchmark::State& state) {
  World& w = TheWorld();
  const Graph& g = w.graph;
  const auto from = Sample(w.named, kSamples, 7);
  std::vector<std::string> names;
  for (EntityIdx e : from) {
    std::string n = state.range(0) == 1 ? g.qualified(e).str()
                                        : std::string(g.str(g.entity(e).name));
    if (state.range(0) == 2) n += "q";
    names.push_back(n);
  }
  Measure(state, names.size(), [&](size_t i) {
    auto r = query::FindEntity(g, w.index, names[i]);
    benchmark::DoNotOptimize(r.candidates.data());
    return r.candidates.size() + r.suggestions.size();
  });
}

// range(0): 1 = with the index (display ranks), 0 = without.
void BM_Context(benchmark::State& state) {
  World& w = TheWorld();
  const auto targets = Sample(w.callables, kSamples, 8);
  const query::SearchIndex* index = state.range(0) ? &w.index : nullptr;
  Measure(state, targets.size(), [&](size_t i) {
    std::string s = query::Context(w.graph, index, targets[i], 2000);
    benchmark::DoNotOptimize(s.data());
    return s.size();
  });
}

void BM_ShortestPath(benchmark::State& state) {
  World& w = TheWorld();
  const auto a = Sample(w.callables, kSamples, 9);
  const auto b = Sample(w.callables, kSamples, 10);
  Measure(state, a.size(), [&](size_t i) {
    auto r = query::ShortestPath(w.graph, a[i], b[i]);
    return r ? r->size() : 0;
  });
}

// range(0): 0 = calls, 1 = modules.
void BM_Cycles(benchmark::State& state) {
  World& w = TheWorld();
  const auto scope =
      state.range(0) ? query::CycleScope::kModules : query::CycleScope::kCalls;
  Measure(state, 1, [&](size_t) {
    auto r = query::Cycles(w.graph, scope);
    return r.size();
  });
}

// The engine's query path (actors/engine_query.cc): name lookup, the
// query, display order (by depth, then qualified path) and conversion to
// the public result types. range(0): 0 = what-implements, 1 = callers,
// 2 = blast-radius of a type; range(1): the request's limit (0: none).
void BM_RunQuery(benchmark::State& state) {
  World& w = TheWorld();
  const Graph& g = w.graph;
  const char* kinds[] = {"what-implements", "callers", "blast-radius"};
  const std::vector<EntityIdx>* pop[] = {&w.traits, &w.callables, &w.types};
  const auto targets = Sample(*pop[state.range(0)], kSamples, 15);
  std::vector<aim::QueryRequest> requests;
  for (EntityIdx e : targets) {
    aim::QueryRequest req;
    req.kind = kinds[state.range(0)];
    req.args = {g.qualified(e).str()};
    req.limit = static_cast<size_t>(state.range(1));
    requests.push_back(std::move(req));
  }
  Measure(state, requests.size(), [&](size_t i) {
    auto r = aim::host::RunQuery(g, &w.index, requests[i]);
    return r.ok() ? r->results.size() : 0;
  });
}

// Sync on an unchanged graph: the O(slots) scan for changes.
void BM_IndexSync(benchmark::State& state) {
  World& w = TheWorld();
  Measure(state, 1, [&](size_t) {
    w.index.Sync(w.graph);
    return w.index.delta_size();
  });
}

// FNV-1a over everything a query answers, so that a change in any result,
// path or order changes the digest.
class Digest {
 public:
  void Add(std::string_view s) {
    for (unsigned char c : s) h_ = (h_ ^ c) * 0x100000001b3ull;
    Add(uint64_t{s.size()});
  }
  void Add(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      h_ = (h_ ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
  }
  void Add(const Graph& g, const query::Hits& hits) {
    Add(uint64_t{hits.size()});
    for (const query::Hit& h : hits) {
      Add(g.entity(h.entity).id);
      Add(uint64_t{h.depth});
      const query::Path path = hits.PathOf(h);
      Add(uint64_t{path.size()});
      for (const query::Hop& p : path) {
        Add(g.entity(p.from).id);
        Add(g.entity(p.to).id);
        Add(static_cast<uint64_t>(p.kind) << 16 |
            static_cast<uint64_t>(p.confidence) << 8 | p.flags);
        Add(g.str(p.file));
        Add(uint64_t{p.line});
      }
    }
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ull;
};

void BM_ResultDigest(benchmark::State& state) {
  World& w = TheWorld();
  const Graph& g = w.graph;
  constexpr size_t kN = 3000;
  const auto callables = Sample(w.callables, kN, 11);
  const auto types = Sample(w.types, kN, 12);
  const auto traits = Sample(w.traits, kN, 13);
  const auto named = Sample(w.named, kN, 14);
  for (auto _ : state) {
    Digest walks, display, text;
    for (size_t i = 0; i < kN; ++i) {
      walks.Add(g, query::WhatImplements(g, traits[i]));
      walks.Add(g, query::Callers(g, callables[i], 1));
      walks.Add(g, query::Callers(g, callables[i], 3));
      walks.Add(g, query::Callees(g, callables[i], 1));
      walks.Add(g, query::Callees(g, callables[i], 3));
      walks.Add(g, query::Uses(g, named[i]));
      walks.Add(g, query::UsedBy(g, types[i]));
      for (EntityIdx e : {callables[i], types[i], named[i]})
        for (auto dir : {query::Direction::kUp, query::Direction::kDown})
          walks.Add(g, query::BlastRadius(g, e, 3, dir));
      if (i < 300) {
        auto p = query::ShortestPath(g, callables[i], named[i]);
        walks.Add(uint64_t{p.has_value()});
        if (p) {
          query::Hits h(/*up=*/false);
          h.AddWithPath(named[i], 0, *p);
          walks.Add(g, h);
        }
      }
      query::Hits hits = query::BlastRadius(g, types[i]);
      query::SortByQualified(g, hits);
      display.Add(g, hits);
      text.Add(query::Context(g, callables[i], 2000));
      text.Add(query::Context(g, types[i], 500));
      const std::string name(g.str(g.entity(named[i]).name));
      const std::string path(g.qualified(named[i]).str());
      for (const std::string& q :
           {name, name.substr(0, 3), name.substr(0, 1 + i % 2),
            path.substr(path.size() / 2, 5), path}) {
        for (const auto& s : query::Search(g, w.index, q, 20)) {
          text.Add(g.entity(s.entity).id);
          text.Add(static_cast<uint64_t>(s.match));
        }
      }
      auto found = query::FindEntity(g, w.index, name);
      text.Add(static_cast<uint64_t>(found.status));
      for (EntityIdx c : found.candidates) text.Add(g.entity(c).id);
      for (const auto& s : found.suggestions) text.Add(s);
      if (i < 500) {
        for (size_t limit : {size_t{0}, size_t{5}}) {
          aim::QueryRequest req;
          req.kind = i % 2 ? "blast-radius" : "callers";
          req.args = {g.qualified(callables[i]).str()};
          req.limit = limit;
          auto r = aim::host::RunQuery(g, &w.index, req);
          if (!r.ok()) continue;
          text.Add(uint64_t{r->total});
          for (const auto& hit : r->results) {
            text.Add(hit.entity.id);
            text.Add(uint64_t{hit.depth});
            for (const auto& e : hit.path) text.Add(e.from ^ e.to);
          }
        }
      }
    }
    for (auto scope : {query::CycleScope::kCalls, query::CycleScope::kModules})
      for (const auto& c : query::Cycles(g, scope))
        for (EntityIdx e : c) walks.Add(g.entity(e).id);
    std::cerr << std::hex << "result digest: walks " << walks.value()
              << ", display " << display.value() << ", text " << text.value()
              << std::dec << "\n";
  }
}

BENCHMARK(BM_ResultDigest)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WhatImplements)->Iterations(kSamples);
BENCHMARK(BM_Callers)->Arg(1)->Arg(3)->Iterations(kSamples);
BENCHMARK(BM_Callees)->Arg(1)->Arg(3)->Iterations(kSamples);
BENCHMARK(BM_UsedBy)->Iterations(kSamples);
BENCHMARK(BM_BlastRadius)
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->ArgNames({"pop", "down"})
    ->Iterations(kSamples);
BENCHMARK(BM_Search)
    ->ArgsProduct({{0, 1, 2}, {1}})
    ->ArgNames({"kind", "index"})
    ->Iterations(kSamples);
BENCHMARK(BM_Search)
    ->ArgsProduct({{0, 1, 2}, {0}})
    ->ArgNames({"kind", "index"})
    ->Iterations(200);
BENCHMARK(BM_FindEntity)->DenseRange(0, 1)->Iterations(kSamples);
BENCHMARK(BM_FindEntity)->Arg(2)->Iterations(500);
BENCHMARK(BM_Context)->ArgName("index")->Arg(0)->Arg(1)->Iterations(kSamples);
BENCHMARK(BM_RunQuery)
    ->ArgsProduct({{0, 1, 2}, {0, 20}})
    ->ArgNames({"kind", "limit"})
    ->Iterations(5000);
BENCHMARK(BM_ShortestPath)->Iterations(500);
BENCHMARK(BM_Cycles)->DenseRange(0, 1)->Iterations(10)->Unit(
    benchmark::kMillisecond);
BENCHMARK(BM_IndexSync)->Iterations(50)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  setenv("AIM_BENCH_CRATES", "all", /*overwrite=*/0);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

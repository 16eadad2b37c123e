// End-to-end ingest through the public Engine API: scan, read, extract
// (1 and 2 threads), resolve, write the checkpoint; then open (load) time,
// checkpoint size, and resident memory per (entity + edge).
//   ./build/bench/ingest_bench [--benchmark_filter=...]
// AIM_BENCH_ROOT: the workspace to ingest (default: the whole cargo registry).
//
// Graph images (engine/graph/image*.cc) on the crates of AIM_BENCH_CRATES
// (bench/corpus.h; "all" for every installed crate):
//   BM_ResolveFacts     what opening costs without an image: resolving
//                       every file's facts again (facts already in memory)
//   BM_SaveImage        Graph::SaveImage
//   BM_DecompressImage  zstd (level 3, as checkpoints) of the image
//   BM_LoadImage        Graph::LoadImage (whole or for queries; 1 or 2 threads)
// Each reports the mean over its iterations, first_ms (the first iteration:
// more of its memory comes fresh from the kernel, and page faults are dear
// on some VMs) and min_ms (the fastest).
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actors/workspace.h"
#include "aim/engine.h"
#include "aim/extract.h"
#include "bench/corpus.h"
#include "bench/measure.h"
#include "engine/graph/graph.h"

#ifndef AIM_CARGO_REGISTRY
#define AIM_CARGO_REGISTRY "/usr/share/cargo/registry"
#endif

namespace {

namespace fs = std::filesystem;

std::string Root() {
  const char* r = std::getenv("AIM_BENCH_ROOT");
  return r ? r : AIM_CARGO_REGISTRY;
}

std::string TempDb(const char* tag) {
  fs::path p = fs::temp_directory_path() /
               ("aim-bench-" + std::string(tag) + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  return p.string();
}

using aim::bench::ResidentBytes;

double CheckpointBytes(const std::string& db) {
  return static_cast<double>(aim::bench::FileBytes(db, "checkpoint-"));
}

void BM_Ingest(benchmark::State& state) {
  const std::string db = TempDb("ingest");
  aim::IngestReport last;
  for (auto _ : state) {
    state.PauseTiming();  // each iteration ingests into an empty database
    std::error_code ec;
    fs::remove_all(db, ec);
    state.ResumeTiming();
    aim::Options o;
    o.db_dir = db;
    o.threads = static_cast<int>(state.range(0));
    auto engine = aim::Engine::Open(o);
    if (!engine.ok()) {
      state.SkipWithError(std::string(engine.status().message()).c_str());
      return;
    }
    auto r = (*engine)->Ingest(Root());
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    last = *r;
  }
  state.counters["lines"] = static_cast<double>(last.lines);
  state.counters["lines/s"] = benchmark::Counter(
      static_cast<double>(last.lines) * state.iterations(),
      benchmark::Counter::kIsRate);
  state.counters["entities"] = static_cast<double>(last.entities);
  state.counters["edges"] = static_cast<double>(last.edges);
  state.counters["extract_ms"] = last.extract_ms;
  state.counters["resolve_ms"] = last.resolve_ms;
  state.counters["persist_ms"] = last.persist_ms;
  std::error_code ec;
  state.counters["checkpoint_MB"] =
      CheckpointBytes(db) / 1e6;
  fs::remove_all(db, ec);
}
BENCHMARK(BM_Ingest)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_OpenCheckpoint(benchmark::State& state) {
  const std::string db = TempDb("open");
  {
    aim::Options o;
    o.db_dir = db;
    auto engine = aim::Engine::Open(o);
    if (!engine.ok() || !(*engine)->Ingest(Root()).ok()) {
      state.SkipWithError("ingest failed");
      return;
    }
  }
  size_t entities = 0, edges = 0;
  for (auto _ : state) {
    aim::Options o;
    o.db_dir = db;
    o.read_only = true;
    auto engine = aim::Engine::Open(o);
    if (!engine.ok()) {
      state.SkipWithError(std::string(engine.status().message()).c_str());
      return;
    }
    aim::EngineStats s = (*engine)->Stats();
    entities = s.entities;
    edges = s.edges;
  }
  state.counters["entities"] = static_cast<double>(entities);
  state.counters["edges"] = static_cast<double>(edges);
  std::error_code ec;
  fs::remove_all(db, ec);
}
BENCHMARK(BM_OpenCheckpoint)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// Resident memory of one engine holding the graph, per (entity + edge):
// measured as the growth of the process's RSS across an in-memory ingest.
void BM_MemoryPerElement(benchmark::State& state) {
  for (auto _ : state) {
    size_t before = ResidentBytes();
    aim::Options o;  // in memory: no checkpoint copy of the facts kept
    auto engine = aim::Engine::Open(o);
    if (!engine.ok() || !(*engine)->Ingest(Root()).ok()) {
      state.SkipWithError("ingest failed");
      return;
    }
    size_t after = ResidentBytes();
    aim::EngineStats s = (*engine)->Stats();
    double elements = static_cast<double>(s.entities + s.edges);
    state.counters["rss_MB"] = static_cast<double>(after - before) / 1e6;
    state.counters["bytes/elem(rss)"] = static_cast<double>(after - before) / elements;
    state.counters["bytes/elem(own)"] = static_cast<double>(s.memory_bytes) / elements;
    state.counters["entities"] = static_cast<double>(s.entities);
    state.counters["edges"] = static_cast<double>(s.edges);
  }
}
BENCHMARK(BM_MemoryPerElement)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

// ---- graph images

struct ImageWorld {
  std::vector<aim::graph::FileInput> inputs;
  aim::graph::Graph graph;
  std::string image;   // SaveImage
  std::string packed;  // zstd of the image
};

ImageWorld& TheImageWorld() {
  static ImageWorld* w = [] {
    auto* world = new ImageWorld;
    for (const std::string& dir : aim::bench::DefaultCorpusDirs()) {
      const std::string base = dir.substr(dir.rfind('/') + 1);
      auto files = aim::host::ScanWorkspace(dir);
      if (!files.ok()) continue;
      for (auto& f : *files) {
        std::ifstream in(f.abs_path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        aim::graph::FileInput input = std::move(f.input);
        input.facts = aim::ExtractFacts(input.path, ss.str());
        input.path = base + "/" + input.path;  // unique across crates
        world->inputs.push_back(std::move(input));
      }
    }
    world->graph.BeginBatch();
    for (const auto& in : world->inputs) world->graph.UpsertFile(in);
    world->graph.EndBatch();
    world->graph.SaveImage(&world->image);
    world->packed.resize(ZSTD_compressBound(world->image.size()));
    size_t n = ZSTD_compress(world->packed.data(), world->packed.size(),
                             world->image.data(), world->image.size(), 3);
    world->packed.resize(ZSTD_isError(n) ? 0 : n);
    std::cerr << "image corpus: " << world->inputs.size() << " files, "
              << world->graph.entity_count() << " entities, "
              << world->graph.edge_count() << " edges\n";
    return world;
  }();
  return *w;
}

// Wall and thread CPU time of a span of code.
class Span {
 public:
  Span() : wall_(std::chrono::steady_clock::now()), cpu_(CpuNow()) {}
  std::pair<double, double> Seconds() const {
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                          wall_)
                .count(),
            CpuNow() - cpu_};
  }

 private:
  static double CpuNow() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) +
           static_cast<double>(ts.tv_nsec) / 1e9;
  }
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// Runs `fn` (which returns the {wall, cpu} seconds it measured) once per
// iteration, the wall time as manual time; adds first_ms, min_ms and
// min_cpu_ms (thread CPU time: what a busy machine disturbs least).
template <typename Fn>
void TimeEach(benchmark::State& state, Fn fn) {
  double first = -1, best = 1e30, best_cpu = 1e30;
  for (auto _ : state) {
    const auto [wall, cpu] = fn();
    state.SetIterationTime(wall);
    if (first < 0) first = wall;
    best = std::min(best, wall);
    best_cpu = std::min(best_cpu, cpu);
  }
  state.counters["first_ms"] = first * 1e3;
  state.counters["min_ms"] = best * 1e3;
  state.counters["min_cpu_ms"] = best_cpu * 1e3;
}

void ImageCounters(benchmark::State& state, const ImageWorld& w) {
  state.counters["image_MB"] = static_cast<double>(w.image.size()) / 1e6;
  state.counters["zstd_MB"] = static_cast<double>(w.packed.size()) / 1e6;
  state.counters["entities"] = static_cast<double>(w.graph.entity_count());
  state.counters["edges"] = static_cast<double>(w.graph.edge_count());
}

void BM_ResolveFacts(benchmark::State& state) {
  ImageWorld& w = TheImageWorld();
  TimeEach(state, [&] {
    std::vector<aim::graph::FileInput> inputs = w.inputs;  // not timed
    auto g = std::make_unique<aim::graph::Graph>();
    const Span span;
    g->BeginBatch();
    for (auto& in : inputs) g->UpsertFile(std::move(in));
    g->EndBatch();
    const auto s = span.Seconds();
    if (g->Digest() != w.graph.Digest()) state.SkipWithError("digest differs");
    return s;
  });
  ImageCounters(state, w);
}
BENCHMARK(BM_ResolveFacts)->Unit(benchmark::kMillisecond)->Iterations(3)->UseManualTime();

void BM_SaveImage(benchmark::State& state) {
  ImageWorld& w = TheImageWorld();
  TimeEach(state, [&] {
    std::string out;
    const Span span;
    w.graph.SaveImage(&out);
    const auto s = span.Seconds();
    if (out != w.image) state.SkipWithError("image differs");
    return s;
  });
  ImageCounters(state, w);
}
BENCHMARK(BM_SaveImage)->Unit(benchmark::kMillisecond)->Iterations(5)->UseManualTime();

void BM_DecompressImage(benchmark::State& state) {
  ImageWorld& w = TheImageWorld();
  TimeEach(state, [&] {
    const Span span;
    std::string out(w.image.size(), '\0');
    size_t n = ZSTD_decompress(out.data(), out.size(), w.packed.data(),
                               w.packed.size());
    const auto s = span.Seconds();
    if (ZSTD_isError(n) || n != w.image.size())
      state.SkipWithError("zstd failed");
    return s;
  });
  ImageCounters(state, w);
}
BENCHMARK(BM_DecompressImage)->Unit(benchmark::kMillisecond)->Iterations(10)->UseManualTime();

// Args: whole (1) or what queries read (0); one thread or two (the
// sections the loader may run at once, each on a thread of its own).
void BM_LoadImage(benchmark::State& state) {
  ImageWorld& w = TheImageWorld();
  using Graph = aim::graph::Graph;
  const Graph::ImageParts parts =
      state.range(0) ? Graph::ImageParts::kAll : Graph::ImageParts::kQueries;
  aim::graph::RunTasks run;
  if (state.range(1) == 2)
    run = [](std::span<const std::function<void()>> tasks) {
      std::vector<std::thread> threads;
      for (size_t i = 1; i < tasks.size(); ++i) threads.emplace_back(tasks[i]);
      if (!tasks.empty()) tasks[0]();
      for (auto& t : threads) t.join();
    };
  Graph::MemoryUse use;
  TimeEach(state, [&] {
    const Span span;
    auto g = Graph::LoadImage(w.image, run, parts);
    const auto s = span.Seconds();
    if (!g.ok()) {
      state.SkipWithError(std::string(g.status().message()).c_str());
    } else if ((*g)->Digest() != w.graph.Digest()) {
      state.SkipWithError("digest differs");
    } else {
      use = (*g)->Memory();
    }
    return s;  // the graph is freed after the clock stopped
  });
  ImageCounters(state, w);
  // The loaded graph's own accounting, per (entity + edge), by part.
  const double elements =
      static_cast<double>(w.graph.entity_count() + w.graph.edge_count());
  auto per = [&](const char* name, size_t bytes) {
    state.counters[name] = static_cast<double>(bytes) / elements;
  };
  per("B/elem", use.total());
  per("B/elem:entities", use.entities);
  per("B/elem:lists", use.lists);
  per("B/elem:strings", use.strings + use.string_index);
  per("B/elem:tables", use.tables);
  per("B/elem:resolution", use.resolution);
}
BENCHMARK(BM_LoadImage)
    ->ArgsProduct({{1, 0}, {1, 2}})
    ->ArgNames({"whole", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(10)
    ->UseManualTime();

// One file's edit applied to the graph of the whole corpus (what the live
// engine's writer does per save, on each of its two copies): the largest
// files (2,500-4,500 lines) upserted again in turn (the graph redoes a
// file whole whatever changed in it). Thread CPU time per upsert; the first
// pass over a file withdraws edges laid down by the initial ingest, later
// ones what the previous upsert made.
void BM_UpsertLargeFile(benchmark::State& state) {
  ImageWorld& w = TheImageWorld();
  std::vector<const aim::graph::FileInput*> large;
  for (const auto& in : w.inputs)
    if (in.facts.lines >= 2500 && in.facts.lines <= 4500)
      large.push_back(&in);
  if (large.empty()) {
    state.SkipWithError("no file of 2,500-4,500 lines in the corpus");
    return;
  }
  std::vector<double> ms;
  size_t k = 0;
  for (auto _ : state) {
    const aim::graph::FileInput& in = *large[k % large.size()];
    aim::graph::FileInput edited = in;  // not timed
    ++k;
    const Span span;
    w.graph.UpsertFile(std::move(edited));
    const double cpu = span.Seconds().second;
    state.SetIterationTime(cpu);
    ms.push_back(cpu * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  state.counters["files"] = static_cast<double>(large.size());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[ms.size() * 99 / 100];
  state.counters["max_ms"] = ms.back();
}
BENCHMARK(BM_UpsertLargeFile)->Unit(benchmark::kMillisecond)->Iterations(200)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();

// End-to-end ingest through the public Engine API: scan, read, extract
// (1 and 2 threads), resolve, write the checkpoint; then open (load) time,
// checkpoint size, and resident memory per (entity + edge).
//   ./build/bench/ingest_bench [--benchmark_filter=...]
// AIM_BENCH_ROOT: the workspace to ingest (default: the whole cargo registry).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "aim/engine.h"

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

size_t ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

double CheckpointBytes(const std::string& db) {
  double bytes = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(db, ec))
    if (e.path().filename().string().rfind("checkpoint-", 0) == 0)
      bytes += static_cast<double>(e.file_size(ec));
  return bytes;
}

void BM_Ingest(benchmark::State& state) {
  const std::string db = TempDb("ingest");
  aim::IngestReport last;
  for (auto _ : state) {
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

}  // namespace

BENCHMARK_MAIN();

// The write-ahead log on the real file system (the machine's disk, under
// $TMPDIR): append throughput per durability mode and writer count, the
// fdatasync latency underneath, and the time to open a database of real
// crates (checkpoint + 10,000 WAL records).
//
//   ./build/bench/wal_bench                                  # everything
//   ./build/bench/wal_bench --benchmark_filter=Append        # the log alone
//   AIM_BENCH_ROOT=/path/to/workspace ./build/bench/wal_bench --benchmark_filter=Open
//
// Counters: records/s and MB/s (payload bytes), syncs/record and
// records/group (group commit at work), p50_us/p99_us per call.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "aim/engine.h"
#include "bench/measure.h"
#include "wal/env.h"
#include "wal/log.h"

#ifndef AIM_CARGO_REGISTRY
#define AIM_CARGO_REGISTRY "/usr/share/cargo/registry"
#endif

namespace {

namespace fs = std::filesystem;
using aim::bench::Clock;
using aim::bench::EditPayload;
using aim::bench::Percentile;

// A fresh directory for one benchmark's files.
std::string TempDir(const std::string& tag) {
  return aim::bench::ScratchDir("walbench-" + tag);
}

struct Shared {
  std::string dir;
  std::unique_ptr<aim::wal::Log> log;
  // One vector per thread, written only inside the timed loop (whose end is
  // a barrier for all threads), read by thread 0 afterwards.
  std::vector<std::vector<double>> latencies_us;
};
Shared* g_shared = nullptr;

// Args: durability (0 sync, 1 batch, 2 none), payload bytes. Threads: the
// concurrent writers.
void BM_Append(benchmark::State& state) {
  const auto mode = static_cast<aim::wal::Durability>(state.range(0));
  const size_t size = static_cast<size_t>(state.range(1));
  if (state.thread_index() == 0) {
    g_shared = new Shared;
    g_shared->dir = TempDir("append");
    aim::wal::LogOptions o;
    o.durability = mode;
    if (const char* level = std::getenv("AIM_BENCH_ZSTD_LEVEL")) o.zstd_level = std::atoi(level);
    if (const char* w = std::getenv("AIM_BENCH_BATCH_WINDOW_US"))
      o.batch_window = std::chrono::microseconds(std::atoi(w));
    auto log = aim::wal::Log::Open(aim::wal::Env::Default(), g_shared->dir + "/wal",
                                   o, 0, [](uint64_t, std::string_view) {
                                     return absl::OkStatus();
                                   });
    if (!log.ok()) {
      state.SkipWithError(std::string(log.status().message()).c_str());
      return;
    }
    g_shared->log = std::move(*log);
    g_shared->latencies_us.resize(static_cast<size_t>(state.threads()));
  }
  const std::string payload = EditPayload(size, state.thread_index() + 1);
  for (auto _ : state) {
    std::vector<double>& lat = g_shared->latencies_us[state.thread_index()];
    auto t = Clock::now();
    auto lsn = g_shared->log->Append(payload);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    if (!lsn.ok()) {
      state.SkipWithError(std::string(lsn.status().message()).c_str());
      break;
    }
  }
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["MB/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * size) / 1e6,
      benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {
    // Thread 0 reports for all once the others are done with the log.
    aim::wal::LogStats st = g_shared->log->stats();
    g_shared->log.reset();
    state.counters["syncs/record"] = st.records ? double(st.syncs) / st.records : 0;
    state.counters["records/group"] = st.groups ? double(st.records) / st.groups : 0;
    std::vector<double> all;
    for (auto& v : g_shared->latencies_us) all.insert(all.end(), v.begin(), v.end());
    state.counters["p50_us"] = Percentile(all, 0.50);
    state.counters["p99_us"] = Percentile(all, 0.99);
    std::error_code ec;
    fs::remove_all(g_shared->dir, ec);
    delete g_shared;
    g_shared = nullptr;
  }
}
void AppendArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"mode", "bytes"});
  for (int mode : {0, 1, 2}) b->Args({mode, 2048});
  b->Args({2, 512})->Args({2, 16384});
}
BENCHMARK(BM_Append)->Apply(AppendArgs)->Threads(1)->UseRealTime();
BENCHMARK(BM_Append)->Args({0, 2048})->Args({1, 2048})->ArgNames({"mode", "bytes"})
    ->Threads(8)->Threads(64)->UseRealTime();

// fdatasync of 2 KiB written into a preallocated file (what a sync-mode
// append pays), and of an appended one (file size changes: metadata too).
void BM_Fdatasync(benchmark::State& state) {
  const bool prealloc = state.range(0) != 0;
  const std::string dir = TempDir("fsync");
  const std::string path = dir + "/f";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || (prealloc && ::posix_fallocate(fd, 0, 64 << 20) != 0)) {
    state.SkipWithError("cannot create the test file");
    return;
  }
  const std::string block = EditPayload(2048, 9);
  std::vector<double> lat;
  off_t off = 0;
  for (auto _ : state) {
    if (::pwrite(fd, block.data(), block.size(), off) < 0) break;
    off += static_cast<off_t>(block.size());
    auto t = Clock::now();
    if (::fdatasync(fd) != 0) {
      state.SkipWithError("fdatasync failed");
      break;
    }
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  ::close(fd);
  state.counters["p50_us"] = Percentile(lat, 0.5);
  state.counters["p99_us"] = Percentile(lat, 0.99);
  std::error_code ec;
  fs::remove_all(dir, ec);
}
BENCHMARK(BM_Fdatasync)->Arg(1)->Arg(0)->ArgName("prealloc")->UseRealTime();

// Opening a database of real crates: the checkpoint of a full ingest plus
// 10,000 WAL records of file edits (each a real file with a line added).
// Timed: Engine::Open (read-only) until queries can run; closing (freeing
// the graph) is reported apart as close_ms.
void BM_OpenDatabase(benchmark::State& state) {
  const char* r = std::getenv("AIM_BENCH_ROOT");
  const std::string root = r ? r : AIM_CARGO_REGISTRY;
  const std::string db = TempDir("open") + "/db";
  const int records = static_cast<int>(state.range(0));
  std::vector<std::string> files;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.path().extension() == ".rs" && e.file_size() < 64 * 1024)
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  {
    aim::Options o;
    o.db_dir = db;
    o.durability = aim::Durability::kNone;
    o.checkpoint_wal_bytes = 0;  // keep every record in the log
    auto engine = aim::Engine::Open(o);
    if (!engine.ok() || !(*engine)->Ingest(root).ok()) {
      state.SkipWithError("ingest failed");
      return;
    }
    std::mt19937_64 rng(1);
    std::string bytes;
    for (int i = 0; i < records; ++i) {
      const std::string& f = files[rng() % files.size()];
      std::ifstream in(f, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
      bytes += "\nfn bench_edit_" + std::to_string(i) + "() {}\n";
      auto lsn = (*engine)->UpdateFile(f, bytes);
      if (!lsn.ok()) {
        state.SkipWithError(std::string(lsn.status().message()).c_str());
        return;
      }
    }
  }
  aim::EngineStats s;
  double close_ms = 0;
  for (auto _ : state) {
    aim::Options o;
    o.db_dir = db;
    o.read_only = true;
    const auto t0 = std::chrono::steady_clock::now();
    auto engine = aim::Engine::Open(o);
    const auto t1 = std::chrono::steady_clock::now();
    if (!engine.ok()) {
      state.SkipWithError(std::string(engine.status().message()).c_str());
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    s = (*engine)->Stats();
    engine->reset();  // not part of opening: reported apart
    close_ms += std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t1).count();
  }
  state.counters["close_ms"] = close_ms / static_cast<double>(state.iterations());
  state.counters["entities"] = static_cast<double>(s.entities);
  state.counters["edges"] = static_cast<double>(s.edges);
  state.counters["replayed"] = static_cast<double>(s.replayed);
  state.counters["wal_MB"] = static_cast<double>(s.wal_bytes) / 1e6;
  std::error_code ec;
  fs::remove_all(fs::path(db).parent_path(), ec);
}
BENCHMARK(BM_OpenDatabase)->Arg(0)->Arg(10000)->ArgName("wal_records")
    ->Unit(benchmark::kMillisecond)->Iterations(3)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();

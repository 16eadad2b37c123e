// Save-to-query-ready latency through the live engine: a file of a real
// crate is saved (an editor's atomic save: temp file + rename) in a watched
// tree, and the clock runs until a query on the engine sees the change.
// Also: query latency idle and while a writer applies a sustained stream of
// edits.
//
//   ./build/bench/live_bench                       # syn, 1,000 edits each
//   AIM_BENCH_LIVE_CRATE=tokio-1.24.2 AIM_BENCH_LIVE_EDITS=200 ./build/bench/live_bench
//
// Counters: p50_ms/p99_ms per edit (save to query-ready, `batch` mode),
// lines (of the edited files, mean), fsync_ms (mean fdatasync time per edit,
// part of the latency), and for queries p50_us/p99_us idle and under edits.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "aim/engine.h"
#include "bench/measure.h"

#ifndef AIM_CARGO_REGISTRY
#define AIM_CARGO_REGISTRY "/usr/share/cargo/registry"
#endif

namespace {

namespace fs = std::filesystem;
using aim::bench::Clock;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

using aim::bench::AtomicSave;
using aim::bench::ReadFile;

size_t Lines(const std::string& s) { return aim::bench::CountLines(s); }

double Percentile(std::vector<double> v, double p) {
  return aim::bench::Percentile(v, p);
}

struct World {
  fs::path dir, ws;
  std::unique_ptr<aim::Engine> engine;
  std::vector<fs::path> small, large;  // ~100 and ~3,500 lines
  // Their texts as installed: every save is one of them with one new fn
  // (so a save adds a fn and drops the one the last save of that file
  // added, and files do not grow over the run).
  std::map<fs::path, std::string> original;
  bool ok = false;
};

World* g_world = nullptr;  // made by the first benchmark that runs

World& TheWorld() {
  static World* w = [] {
    auto* world = g_world = new World;
    const std::string crate = Env("AIM_BENCH_LIVE_CRATE", "syn-1.0.107");
    world->dir = fs::temp_directory_path() / ("aim-livebench-" + std::to_string(getpid()));
    fs::remove_all(world->dir);
    fs::create_directories(world->dir);
    world->ws = world->dir / "ws";
    std::error_code ec;
    fs::copy(fs::path(AIM_CARGO_REGISTRY) / crate, world->ws,
             fs::copy_options::recursive, ec);
    if (ec) return world;
    for (auto& e : fs::recursive_directory_iterator(world->ws)) {
      if (e.path().extension() != ".rs") continue;
      std::string text = ReadFile(e.path());
      const size_t n = Lines(text);
      const bool small = n >= 60 && n <= 150, large = n >= 2500 && n <= 4500;
      if (small) world->small.push_back(e.path());
      if (large) world->large.push_back(e.path());
      if (small || large) world->original[e.path()] = std::move(text);
    }
    std::sort(world->small.begin(), world->small.end());
    std::sort(world->large.begin(), world->large.end());
    aim::Options o;
    o.db_dir = (world->dir / "db").string();
    o.durability = aim::Durability::kBatch;
    auto engine = aim::Engine::Open(o);
    if (!engine.ok()) return world;
    world->engine = std::move(*engine);
    world->ok = world->engine->Watch(world->ws.string(), /*debounce_ms=*/0).ok();
    return world;
  }();
  return *w;
}

bool Sees(aim::Engine& e, const std::string& name) {
  auto r = e.Query({.kind = "search", .args = {name}, .limit = 1});
  return r.ok() && !r->results.empty() && r->results[0].entity.name == name;
}

// Adds `item` to a file's text: at the end, or (mid) after the top-level
// item that ends nearest the middle (a line "}"), which moves every line
// below it as an edit in the middle of a file does.
void InsertProbe(std::string& text, const std::string& item, bool mid) {
  size_t at = std::string::npos;
  if (mid) {
    const size_t half = text.size() / 2;
    size_t best = std::string::npos;
    for (size_t p = text.find("\n}\n"); p != std::string::npos;
         p = text.find("\n}\n", p + 1)) {
      const size_t end = p + 3;  // just after the "}\n"
      const size_t d = end > half ? end - half : half - end;
      if (best == std::string::npos || d < best) {
        best = d;
        at = end;
      }
    }
  }
  if (at == std::string::npos) {
    text += item;
  } else {
    text.insert(at, item);
  }
}

// Args: 0 small files, 1 large files; the pause (ms) after each edit became
// visible before the next save; 1 to add the new fn mid-file rather than at
// the end (the lines below it move). With a pause, every save finds the
// engine idle (an editor's saves, seconds apart); without one, each save
// queues behind the previous one's remaining work (the other copy's
// catch-up), so that is the figure of a sustained stream.
// Polls until a search finds `name` (false after 10 s from `since`).
bool WaitUntilSeen(World& w, const std::string& name, Clock::time_point since) {
  while (Clock::now() - since < std::chrono::seconds(10)) {
    if (Sees(*w.engine, name)) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
  return false;
}

// Steady state, not start-up: one untimed save first (after the initial
// ingest the engine builds its search index and its second copy of the
// state in the background; the first change waits for them).
void WarmUp(World& w) {
  static bool done = false;
  if (done || !w.ok || w.small.empty()) return;
  done = true;
  const fs::path& f = w.small.front();
  AtomicSave(f, w.original.at(f) + "\npub fn aim_warm_up() {}\n");
  (void)WaitUntilSeen(w, "aim_warm_up", Clock::now());
}

void BM_SaveToQueryReady(benchmark::State& state) {
  World& w = TheWorld();
  WarmUp(w);
  const auto& files = state.range(0) == 0 ? w.small : w.large;
  const auto pause = std::chrono::milliseconds(state.range(1));
  // AIM_BENCH_LIVE_TRACE=<ms>: print where each edit slower than that went.
  const double trace = std::atof(Env("AIM_BENCH_LIVE_TRACE", "0").c_str());
  if (!w.ok || files.empty()) {
    state.SkipWithError("no live engine or no files of that size");
    return;
  }
  static int serial = 0;
  std::mt19937_64 rng(state.range(0) + 1);
  std::vector<double> ms;
  double lines = 0;
  const aim::EngineStats before = w.engine->Stats();
  for (auto _ : state) {
    const fs::path& f = files[rng() % files.size()];
    std::string text = w.original.at(f);
    const std::string probe = "aim_probe_" + std::to_string(++serial);
    InsertProbe(text, "\npub fn " + probe + "() {}\n", state.range(2) != 0);
    lines += static_cast<double>(Lines(text));
    const aim::EngineStats s0 = trace ? w.engine->Stats() : aim::EngineStats{};
    const auto t0 = Clock::now();
    AtomicSave(f, text);
    if (!WaitUntilSeen(w, probe, t0)) {
      state.SkipWithError("an edit never became visible");
      return;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (trace && ms.back() > trace) {
      // Where a slow edit's time went (the writer's counters since the save).
      const aim::EngineStats s1 = w.engine->Stats();
      std::fprintf(stderr,
                   "slow edit: %.1f ms, %zu lines; commits %llu, apply %.1f ms, catch-up %.1f ms, "
                   "grace %.1f ms, fsync %.1f ms\n",
                   ms.back(), Lines(text),
                   static_cast<unsigned long long>(s1.commits - s0.commits),
                   static_cast<double>(s1.apply_us - s0.apply_us) / 1e3,
                   static_cast<double>(s1.catchup_us - s0.catchup_us) / 1e3,
                   static_cast<double>(s1.grace_us - s0.grace_us) / 1e3,
                   static_cast<double>(s1.wal_sync_us - s0.wal_sync_us) / 1e3);
    }
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  const aim::EngineStats after = w.engine->Stats();
  const double edits = static_cast<double>(ms.size());
  state.counters["p50_ms"] = Percentile(ms, 0.5);
  state.counters["p99_ms"] = Percentile(ms, 0.99);
  state.counters["max_ms"] = Percentile(ms, 1.0);
  state.counters["lines"] = lines / edits;
  state.counters["fsync_ms"] =
      static_cast<double>(after.wal_sync_us - before.wal_sync_us) / 1000.0 / edits;
  state.counters["syncs/edit"] =
      static_cast<double>(after.wal_syncs - before.wal_syncs) / edits;
  // The writer's share: applying before the edit is visible, and after.
  const double commits = std::max<double>(1, static_cast<double>(after.commits - before.commits));
  state.counters["apply_ms"] =
      static_cast<double>(after.apply_us - before.apply_us) / 1000.0 / commits;
  state.counters["catchup_ms"] =
      static_cast<double>(after.catchup_us - before.catchup_us) / 1000.0 / commits;
}
BENCHMARK(BM_SaveToQueryReady)
    ->ArgsProduct({{0, 1}, {0, 20}, {0, 1}})->ArgNames({"large", "pause_ms", "mid"})
    ->Iterations(std::atoi(Env("AIM_BENCH_LIVE_EDITS", "1000").c_str()))
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// Query latency (callers of sampled functions) idle, then while a thread
// saves files continuously.
void BM_QueryUnderEdits(benchmark::State& state) {
  World& w = TheWorld();
  if (!w.ok || w.small.empty()) {
    state.SkipWithError("no live engine");
    return;
  }
  const bool edits = state.range(0) != 0;
  std::atomic<bool> stop{false};
  std::thread writer;
  if (edits)
    writer = std::thread([&] {
      std::mt19937_64 rng(9);
      int i = 0;
      while (!stop) {
        const fs::path& f = w.small[rng() % w.small.size()];
        AtomicSave(f, w.original.at(f) + "\nfn aim_stream_" + std::to_string(++i) + "() {}\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  static const char* names[] = {"parse", "to_tokens", "span", "new", "fold_expr",
                                "visit_item", "peek", "clone"};
  std::vector<double> us;
  size_t k = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto r = w.engine->Query({.kind = "callers", .args = {names[k++ % 8]}});
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    benchmark::DoNotOptimize(r);
  }
  stop = true;
  if (writer.joinable()) writer.join();
  state.counters["p50_us"] = Percentile(us, 0.5);
  state.counters["p99_us"] = Percentile(us, 0.99);
}
BENCHMARK(BM_QueryUnderEdits)->Arg(0)->Arg(1)->ArgName("edits")
    ->Iterations(20000)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_world != nullptr) {  // the engine stops, then its files go
    g_world->engine.reset();
    std::error_code ec;
    fs::remove_all(g_world->dir, ec);
  }
  return 0;
}

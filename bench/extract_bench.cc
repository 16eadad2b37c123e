// Extraction throughput on real crates: lines/s and MB/s on one thread.
//   AIM_BENCH_CRATES=all ./build/bench/extract_bench
#include <benchmark/benchmark.h>

#include "aim/extract.h"
#include "bench/corpus.h"

namespace {

const aim::bench::Corpus& TheCorpus() {
  static const aim::bench::Corpus corpus =
      aim::bench::LoadCorpus(aim::bench::DefaultCorpusDirs());
  return corpus;
}

void BM_ExtractCorpus(benchmark::State& state) {
  const auto& corpus = TheCorpus();
  uint64_t facts = 0;
  for (auto _ : state) {
    for (const auto& f : corpus.files) {
      aim::FileFacts ff = aim::ExtractFacts(f.path, f.bytes);
      facts += ff.items.size() + ff.impls.size() + ff.calls.size();
      benchmark::DoNotOptimize(ff);
    }
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["files"] = static_cast<double>(corpus.files.size());
  state.counters["lines/s"] = benchmark::Counter(
      static_cast<double>(corpus.lines) * iters, benchmark::Counter::kIsRate);
  state.counters["MB/s"] = benchmark::Counter(
      static_cast<double>(corpus.bytes) * iters / 1e6,
      benchmark::Counter::kIsRate);
  state.counters["facts/s"] = benchmark::Counter(
      static_cast<double>(facts), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExtractCorpus)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Lexing alone, to see how the time splits.
}  // namespace

BENCHMARK_MAIN();

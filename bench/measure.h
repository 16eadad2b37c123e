// Measurement helpers shared by the Google Benchmark programs and the rig
// (aim-bench): percentiles, resident memory, scratch directories, files and
// edit-like payloads. Nothing here is timed itself.
#ifndef AIM_BENCH_MEASURE_H_
#define AIM_BENCH_MEASURE_H_

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace aim::bench {

using Clock = std::chrono::steady_clock;

// Seconds, milliseconds and microseconds since `t0`.
double SecondsSince(Clock::time_point t0);
double MicrosSince(Clock::time_point t0);

// The p-th quantile (0 <= p <= 1) of `v`, nearest rank below; 0 when
// empty. Reorders `v`.
double Percentile(std::vector<double>& v, double p);

// p50, p99, p99.9 and the maximum of a set of samples.
struct Quantiles {
  size_t n = 0;
  double p50 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};
Quantiles Summarize(std::vector<double> samples);

// Resident set size of this process (/proc/self/statm), in bytes.
size_t ResidentBytes();

// Total size of the regular files directly in `dir` whose names start with
// `prefix` (all of them for an empty prefix); 0 if `dir` is unreadable.
uint64_t FileBytes(const std::string& dir, const std::string& prefix = "");

// A fresh, empty directory $TMPDIR/aim-<tag>-<pid> (removed first if it
// exists).
std::string ScratchDir(const std::string& tag);

// The whole content of a file ("" if unreadable).
std::string ReadFile(const std::string& path);

// An editor's atomic save: `text` to `path`.aimtmp, then renamed over path.
void AtomicSave(const std::string& path, const std::string& text);

// Number of '\n' in `s`.
size_t CountLines(const std::string& s);

// `n` bytes like a small file edit's facts: identifiers, paths, signatures
// (compressible roughly as real ones are, about 3:1). Deterministic in
// `seed`.
std::string EditPayload(size_t n, uint64_t seed);

// `n` elements drawn from `from` with repetition, deterministic in `seed`
// (empty when `from` is).
template <typename T>
std::vector<T> Sample(const std::vector<T>& from, size_t n, uint64_t seed) {
  std::vector<T> out;
  if (from.empty()) return out;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, from.size() - 1);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(from[pick(rng)]);
  return out;
}

}  // namespace aim::bench

#endif  // AIM_BENCH_MEASURE_H_

// Real Rust sources loaded into memory for benchmarks.
#ifndef AIM_BENCH_CORPUS_H_
#define AIM_BENCH_CORPUS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace aim::bench {

struct SourceText {
  std::string path;
  std::string bytes;
};

struct Corpus {
  std::vector<SourceText> files;
  uint64_t bytes = 0;
  uint64_t lines = 0;
};

// Loads every *.rs file under each of `dirs` (recursively, sorted).
Corpus LoadCorpus(const std::vector<std::string>& dirs);

// The default corpus: the crates named in AIM_BENCH_CRATES (comma-separated
// directory names under the cargo registry) or, if unset, tokio, serde,
// regex, clap and syn. With AIM_BENCH_CRATES=all, every crate installed.
std::vector<std::string> DefaultCorpusDirs();

}  // namespace aim::bench

#endif  // AIM_BENCH_CORPUS_H_

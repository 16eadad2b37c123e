// Comparison of the extractor's facts with an independent reference parser's
// (../shared/reference/*.jsonl.gz, produced with syn 1.0). See
// ../shared/reference/README.md for the conventions.
#ifndef AIM_TESTS_SUPPORT_REFERENCE_H_
#define AIM_TESTS_SUPPORT_REFERENCE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aim::testing {

struct Score {
  uint64_t ours = 0, theirs = 0, both = 0;
  double Precision() const { return ours ? double(both) / ours : 1.0; }
  double Recall() const { return theirs ? double(both) / theirs : 1.0; }
  // Keys (with multiplicity) found by only one side, for diagnosis.
  std::vector<std::string> only_ours, only_theirs;
};

struct Comparison {
  Score items, impls, calls;
  uint64_t files = 0, lines = 0, errors = 0;
  std::vector<std::string> error_samples;
};

// Runs the extractor over every *.rs file under `crate_dir` and compares
// with the reference facts in `reference_gz`. Returns false (and sets
// `error`) if either cannot be read.
bool CompareWithReference(const std::string& crate_dir,
                          const std::string& reference_gz, Comparison& out,
                          std::string& error);

}  // namespace aim::testing

#endif  // AIM_TESTS_SUPPORT_REFERENCE_H_

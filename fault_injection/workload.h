// The crash harness's workload and the expected state it implies.
//
// A Workload is an endless, deterministic sequence of file edits drawn from
// a seed: creates, modifications, deletions, renames (a removal and a
// create of the same content under a new name), small and large files, and
// bursts of edits to one file. Every edit changes the engine's state, so
// applying edit i to a database that holds edits [0, i) yields LSN i + 1:
// the LSN names the workload prefix.
//
// A Model applies the same edits to an in-memory engine and remembers the
// graph digest after each, so the harness can say what a database
// recovered to LSN n must hold: DigestAt(n).
//
// Neither is thread-safe.
#ifndef AIM_FAULT_INJECTION_WORKLOAD_H_
#define AIM_FAULT_INJECTION_WORKLOAD_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aim/engine.h"

namespace aim::fault {

struct Edit {
  enum Kind { kUpdate, kRemove } kind = kUpdate;
  std::string path;
  std::string content;  // kUpdate
};

class Workload {
 public:
  // Files are named <prefix><n>.rs.
  explicit Workload(uint64_t seed, std::string prefix = "src/m");

  // Edit number i (0-based); generates as far as needed.
  const Edit& At(uint64_t i);

 private:
  void Generate();
  std::string Source(int file, uint64_t serial, bool large);

  std::string PathOf(int file) const;

  std::mt19937_64 rng_;
  const std::string prefix_;
  std::vector<Edit> edits_;
  std::vector<int> live_;      // files that exist after edits_
  std::vector<bool> exists_;   // by file number
  int next_file_ = 0;
  int burst_file_ = -1;        // the file a burst is editing
  int burst_left_ = 0;
};

// Applies edit `e` to `engine`; returns the LSN it acknowledged.
absl::StatusOr<uint64_t> Apply(Engine& engine, const Edit& e);

class Model {
 public:
  explicit Model(uint64_t seed);

  // The digest of a database that holds edits [0, lsn).
  uint64_t DigestAt(uint64_t lsn);
  Workload& workload() { return workload_; }

 private:
  Workload workload_;
  std::unique_ptr<Engine> engine_;  // in memory, holds edits [0, size - 1)
  std::vector<uint64_t> digests_;   // digests_[n]: after n edits
};

}  // namespace aim::fault

#endif  // AIM_FAULT_INJECTION_WORKLOAD_H_

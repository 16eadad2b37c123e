// The live engine's actors (CAF 0.17), behind a header free of CAF:
//
//   watcher (detached; inotify) --batch--> parser pool (N actors: read,
//   hash, extract) --files--> graph owner (the single writer: log, apply,
//   publish) ; reader pool (N actors) answers asynchronous queries.
//
// The actors share no mutable state: messages carry owned values, and the
// engine they call is thread-safe. A host's UpdateFile/RemoveFile go
// through the graph owner as well, so there is exactly one writer.
#ifndef AIM_ACTORS_LIVE_H_
#define AIM_ACTORS_LIVE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aim/engine.h"
#include "engine/graph/graph.h"

namespace aim::host {

class EngineImpl;

// One file, as the parser pool leaves it for the graph owner.
struct ParsedFile {
  std::string path;        // relative to the root
  bool removed = false;    // gone from disk (or to be withdrawn)
  bool unchanged = false;  // content hash equal to the engine's
  bool skip = false;       // unreadable or not UTF-8: keep the old facts
  std::string problem;     // why it was skipped, or its syntax errors
  graph::FileInput input;  // when neither removed, unchanged nor skipped
};

// Reads, hashes and extracts one file of the workspace at `root`. A file
// whose hash equals `old_hash` comes back `unchanged` without extraction.
// Pure apart from reading the file (and the Cargo.toml that names its
// crate): the parser actors' whole job.
ParsedFile ParseWorkspaceFile(const std::string& root, const std::string& rel,
                              uint64_t old_hash);

struct LiveOptions {
  int parsers = 2;
  int readers = 2;
  int scheduler_threads = 2;
};

class LiveSystem {
 public:
  LiveSystem(EngineImpl& engine, const LiveOptions& options);
  ~LiveSystem();  // stops watching; waits for the actors to finish

  // Starts the watcher actor on `root` (already ingested). Files under the
  // `skip_abs` directories are ignored.
  absl::Status StartWatching(const std::string& root, int debounce_ms,
                             const std::vector<std::string>& skip_abs);
  void StopWatching();
  bool watching() const;

  // Through the reader pool; `done` runs on a reader.
  void Query(QueryRequest request,
             std::function<void(absl::StatusOr<QueryResult>)> done);

  // Through the graph owner (blocks the caller until it is applied).
  absl::StatusOr<uint64_t> Apply(std::vector<ParsedFile> files);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aim::host

#endif  // AIM_ACTORS_LIVE_H_

// The engine behind include/aim/engine.h (synchronous; the actor pipeline
// of the live engine builds on it).
//
// Split by concern: engine_impl.cc (open, queries, stats), engine_ingest.cc
// (Ingest), engine_write.cc (file updates, the WAL, checkpoints),
// engine_query.cc (query dispatch).
//
// Concurrency: the engine's state (graph, version, root, search index) is
// kept twice, in a LeftRight (actors/left_right.h): queries read the
// published copy and never wait; the writer (write_mu_ serialises writers,
// so LSN order is apply order) logs a mutation (holding only write_mu_),
// applies it to the unpublished copy, publishes that with an atomic store,
// and then, after the readers of the old copy have left, applies it there
// too. A query sees exactly one version.
#ifndef AIM_ACTORS_ENGINE_IMPL_H_
#define AIM_ACTORS_ENGINE_IMPL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/left_right.h"
#include "actors/live.h"
#include "aim/engine.h"
#include "engine/graph/graph.h"
#include "engine/query/search_index.h"
#include "recovery/mutation_codec.h"

namespace aim::recovery {
class Store;
}  // namespace aim::recovery

namespace aim::host {

inline uint64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - t)
          .count());
}

// One copy of the engine's state.
struct Replica {
  std::unique_ptr<graph::Graph> graph;
  uint64_t version = 0;
  std::string root;
  // Built by the first query that wants it (under index_mu: the readers of
  // a copy share it), then kept in step with the graph by the writer.
  mutable std::mutex index_mu;
  mutable std::unique_ptr<query::SearchIndex> index;

  // The index, built now if this copy has none yet.
  const query::SearchIndex* EnsureIndex() const {
    std::lock_guard index_lock(index_mu);
    if (!index) index = std::make_unique<query::SearchIndex>(*graph);
    return index.get();
  }
};

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(Options options);
  ~EngineImpl() override;

  // Opens the database (checkpoint + WAL replay), if there is one.
  absl::Status Load();

  absl::StatusOr<IngestReport> Ingest(
      const std::string& path,
      std::function<void(const IngestProgress&)> progress) override;
  absl::StatusOr<uint64_t> UpdateFile(const std::string& path,
                                      std::string_view bytes) override;
  absl::StatusOr<uint64_t> RemoveFile(const std::string& path) override;
  absl::StatusOr<uint64_t> Checkpoint() override;
  absl::Status Watch(const std::string& dir, int debounce_ms) override;
  void StopWatching() override;
  void QueryAsync(QueryRequest request,
                  std::function<void(absl::StatusOr<QueryResult>)> done)
      const override;
  absl::Status WaitFor(uint64_t lsn, int64_t timeout_ms) const override;

  // For the live engine's actors (actors/live.cc).
  // The graph owner's job: turns parsed files into mutations (unchanged
  // and skipped ones drop out), logs and applies them; the new version.
  absl::StatusOr<uint64_t> CommitParsed(std::vector<ParsedFile> files);
  // The content hash the engine holds for `rel` (0: none).
  uint64_t FileHash(const std::string& rel) const;
  // Paths held under directory `dir` ("" = all), relative to the root.
  std::vector<std::string> FilesUnder(const std::string& dir) const;
  // Edits accepted but not yet visible (reported with every result).
  void AddPending(int64_t n) { pending_ += static_cast<uint64_t>(n); }
  absl::StatusOr<QueryResult> Query(const QueryRequest& request) const override;
  EngineStats Stats() const override;
  void ForEachEntity(
      const std::function<void(const EntityInfo&)>& fn) const override;
  void ForEachEdge(
      const std::function<void(const EdgeInfo&)>& fn) const override;
  uint64_t Digest() const override;

 private:
  // Wakes WaitFor (after a publish).
  void NotifyVersion();
  // The writer's side of the two copies (engine_write.cc); callers hold
  // write_mu_. After a commit publishes version n, the other copy still
  // lacks n's change (catchup_): the side thread applies it there once the
  // grace period is over, while the writer returns; the next change to the
  // copies waits for that first (WaitSide). The unpublished copy gets a
  // commit's change on the side thread while the log syncs it.
  // Makes sure there is a second copy (a clone of the published one).
  absl::Status EnsureBack();
  // Brings the unpublished copy to the published state (the catch-up)
  // and gives it the published copy's search index if it has none.
  void CatchUp();
  // Publishes a whole new state (the other copy is dropped, and cloned
  // again by the next EnsureBack).
  void PublishNew(std::unique_ptr<Replica> r);
  // Applies `mutations` to `r`'s graph (its index follows; before the
  // change is published the index does not rebuild).
  void ApplyTo(Replica& r, const std::vector<recovery::Mutation>& mutations,
               bool before_publish);
  class SideThread;
  void WaitSide();
  // On the side thread: builds the published copy's search index and the
  // second copy, so that a long-lived engine's first search and first
  // change do not pay for them.
  void PrepareForEdits();
  // Starts the actor system on first use (engine_live.cc).
  LiveSystem& Live() const;

  // engine_write.cc. Callers hold write_mu_.
  absl::Status CheckWritable() const;
  // Logs the mutations (one WAL record each), then applies them; returns
  // the new version. Without a database, only applies.
  absl::StatusOr<uint64_t> Commit(std::vector<recovery::Mutation> mutations);
  // A host's change: through the graph owner when the actors run.
  absl::StatusOr<uint64_t> Write(std::vector<ParsedFile> files);
  // Starts a background checkpoint when the log has grown enough.
  void MaybeCompact();
  void JoinCompactor();
  // `path` relative to the root, or an error for a path outside it.
  absl::StatusOr<std::string> RelativePath(const std::string& path) const;

  const Options options_;
  std::unique_ptr<recovery::Store> store_;
  std::mutex write_mu_;

  LeftRight<Replica> state_;
  std::atomic<uint64_t> published_version_{0};  // for WaitFor
  std::vector<graph::EntityIdx> changed_slots_;  // the writer's scratch
  std::vector<recovery::Mutation> catchup_;  // what the other copy lacks
  bool catchup_pending_ = false;
  // Runs the work on the unpublished copy (started by the first commit).
  std::unique_ptr<SideThread> side_;
  // The writer's counters (EngineStats::commits, apply_us, ...).
  std::atomic<uint64_t> commits_{0}, apply_us_{0}, catchup_us_{0}, grace_us_{0};

  // Background checkpoints.
  std::mutex compact_mu_;  // guards compactor_
  std::thread compactor_;
  std::atomic<bool> compacting_{false};
  mutable std::mutex error_mu_;  // guards checkpoint_error_
  std::string checkpoint_error_;

  // What Load found.
  uint64_t replayed_ = 0;
  uint64_t open_us_ = 0, load_us_ = 0;
  std::string recovery_note_;

  // The live engine (created on first use; destroyed first).
  mutable std::mutex live_mu_;
  mutable std::unique_ptr<LiveSystem> live_;
  std::atomic<uint64_t> pending_{0};
  mutable std::mutex version_mu_;
  mutable std::condition_variable version_cv_;
};

// A thread that runs one job at a time for the writer.
class EngineImpl::SideThread {
 public:
  SideThread() : thread_([this] { Loop(); }) {}
  ~SideThread() {
    {
      std::lock_guard lock(mu_);
      exit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Start(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      job_ = std::move(job);
      done_ = false;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_; });
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return exit_ || job_ != nullptr; });
      if (job_ == nullptr) return;
      std::function<void()> job = std::move(job_);
      job_ = nullptr;
      lock.unlock();
      job();
      lock.lock();
      done_ = true;
      cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> job_;
  bool done_ = true;
  bool exit_ = false;
  std::thread thread_;
};

// Conversions from the graph to the public types.
EntityInfo ToEntityInfo(const graph::Graph& g, graph::EntityIdx e);
EdgeInfo ToEdgeInfo(const graph::Graph& g, graph::EntityIdx from,
                    const graph::Edge& edge);

// Runs one query against a graph (engine_query.cc).
// `index` (optional) must be in sync with `g`.
absl::StatusOr<QueryResult> RunQuery(const graph::Graph& g,
                                     const query::SearchIndex* index,
                                     const QueryRequest& request);

// Reads a whole file (engine_ingest.cc); false with `error` set on failure.
bool ReadAll(const std::string& path, std::string& bytes, std::string& error);

}  // namespace aim::host

#endif  // AIM_ACTORS_ENGINE_IMPL_H_

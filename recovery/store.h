// A database directory: MANIFEST, checkpoint files and the WAL, and the
// rules that tie them together.
//
//   <db>/LOCK                    held by the one writable Store
//   <db>/MANIFEST                names the checkpoint to start from
//   <db>/checkpoint-<lsn>.aim    image of every file's facts at <lsn>
//   <db>/wal/wal-<n>.log         records after it (wal/FORMAT.md)
//
// Open = newest checkpoint (the one MANIFEST names) + replay of every later
// WAL record through ApplyMutation, so the graph equals the one that was
// acknowledged. A checkpoint is published in this order, each step durable
// before the next: checkpoint file (temp, sync, rename, dir sync), MANIFEST
// (same), then deletion of WAL segments and checkpoints it makes redundant.
// A crash between any two steps leaves a database that opens to the same
// state.
//
// Thread-safety: Append may be called from many threads (group commit);
// Checkpoint and Compact serialise among themselves and run alongside
// Append.
#ifndef AIM_RECOVERY_STORE_H_
#define AIM_RECOVERY_STORE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/graph/graph.h"
#include "recovery/checkpoint.h"
#include "recovery/mutation_codec.h"
#include "wal/env.h"
#include "wal/log.h"

namespace aim::recovery {

struct StoreOptions {
  wal::Env* env = nullptr;  // nullptr: the real file system
  wal::LogOptions log;
  // Open without the lock and without touching any file (queries only).
  bool read_only = false;
};

// What Open found and did.
struct RecoveryInfo {
  std::string checkpoint;       // the file loaded ("" if none)
  uint64_t checkpoint_lsn = 0;
  size_t checkpoint_files = 0;
  uint64_t replayed = 0;        // WAL records applied after it
  uint64_t lsn = 0;             // the recovered state's LSN
  bool torn_tail = false;       // a torn tail was cut (its description:)
  std::string torn_why;
  std::vector<std::string> salvaged;  // salvage: files moved aside
  std::string salvage_why;
  // The checkpoint's load; the scan of the log (beside the load) and
  // the replay.
  double load_ms = 0, replay_ms = 0;
};

struct Recovered {
  std::unique_ptr<graph::Graph> graph;
  std::string root;
  uint64_t lsn = 0;
  RecoveryInfo info;
};

class Store {
 public:
  // Opens the database in `dir` (which must exist); a writable open first
  // removes the temp files of checkpoint and MANIFEST publications that a
  // crash cut short (<name>.tmp). Errors: Unavailable
  // when another process holds the lock; DataLoss for a damaged manifest,
  // checkpoint or log (naming file, offset, LSN); I/O errors.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const StoreOptions& options,
                                                     Recovered* out);
  ~Store();

  // Logs mutations durably (per the log's durability mode), one record
  // each, as one group; returns the LSN of the last. FailedPrecondition
  // when read-only; after any write failure, the same error forever.
  absl::StatusOr<uint64_t> Append(std::span<const Mutation> mutations);

  // Publishes `data` (the whole state) as a new version: it gets the next
  // LSN (returned) without a WAL record. For bulk loads.
  absl::StatusOr<uint64_t> CheckpointAsNewVersion(CheckpointData data);

  // Writes a checkpoint of the durable state from disk (the current
  // checkpoint plus the WAL records after it), publishes it and deletes
  // what it makes redundant. Runs alongside Append; meant for a background
  // thread. Returns the checkpoint's LSN.
  absl::StatusOr<uint64_t> Compact();

  wal::LogStats log_stats() const;
  absl::Status health() const;
  const std::string& dir() const { return dir_; }
  uint64_t checkpoint_lsn() const;

 private:
  Store(wal::Env* env, std::string dir, StoreOptions options);
  absl::Status Publish(const CheckpointData& data);  // holds checkpoint_mu_

  wal::Env* const env_;
  const std::string dir_;
  const StoreOptions options_;
  std::unique_ptr<wal::FileLock> lock_;
  std::unique_ptr<wal::Log> log_;
  mutable std::mutex checkpoint_mu_;
  uint64_t checkpoint_lsn_ = 0;   // guarded by checkpoint_mu_
  std::string checkpoint_name_;   // guarded by checkpoint_mu_
};

// `aim check`: verifies the manifest, the checkpoint and every WAL record
// (including that each payload decodes) without changing anything.
struct CheckReport {
  std::string checkpoint;
  uint64_t checkpoint_lsn = 0;
  size_t checkpoint_files = 0;
  size_t segments = 0;
  uint64_t records = 0;
  uint64_t record_bytes = 0;
  uint64_t first_lsn = 0, last_lsn = 0;
  bool torn_tail = false;  // not damage: the next writable open cuts it
  std::string torn_why;
};
absl::StatusOr<CheckReport> CheckDatabase(wal::Env* env, const std::string& dir);

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_STORE_H_

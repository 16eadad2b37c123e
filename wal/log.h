// The write-ahead log: segment files of records with consecutive LSNs
// (format: wal/FORMAT.md), appended with group commit.
//
// Durability modes (the promise made when Append returns an LSN):
//   kSync   the record is on stable storage: its own fdatasync covered it.
//           Concurrent callers do not share syncs.
//   kBatch  the same promise, but concurrent callers share one fdatasync
//           (group commit): while one group is being written and synced the
//           next one gathers; a leader also waits up to `batch_window` for
//           callers that are already inside Append to join. The default.
//   kNone   the record was handed to the operating system: it survives the
//           process being killed, not a power cut or kernel crash.
//
// Failure is permanent (fail-stop): when a write, a segment roll or a sync
// fails, that group and everything after it get the error, nothing is
// retried, and every later Append returns the same error. Records already
// acknowledged stay valid; the unacknowledged tail is a torn tail that the
// next Open truncates. The caller keeps serving reads.
//
// Segments are created whole (temp file with header, preallocated to
// `segment_bytes`, synced, renamed, directory synced) and the previous
// segment is synced before the switch, so only the last segment can ever
// hold an unsynced (torn) tail.
//
// Thread-safe.
#ifndef AIM_WAL_LOG_H_
#define AIM_WAL_LOG_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wal/env.h"
#include "wal/log_reader.h"

namespace aim::wal {

enum class Durability { kSync, kBatch, kNone };

struct LogOptions {
  Durability durability = Durability::kBatch;
  RecoveryMode recovery = RecoveryMode::kPointInTime;
  uint64_t segment_bytes = uint64_t{64} << 20;
  int zstd_level = 1;
  // kBatch: how long a group's leader waits for callers already inside
  // Append (compressing) to join the group. Never waits when it is alone.
  std::chrono::microseconds batch_window{2000};
};

struct LogStats {
  uint64_t last_lsn = 0;     // last LSN handed out
  uint64_t durable_lsn = 0;  // every LSN <= this is synced
  uint64_t records = 0;      // appended since Open
  uint64_t groups = 0;       // written groups (one write each)
  uint64_t syncs = 0;
  uint64_t sync_micros = 0;  // time spent in fdatasync since Open
  uint64_t bytes = 0;        // record bytes written since Open
  uint64_t live_bytes = 0;   // record bytes in the segments on disk
  size_t segments = 0;
};

// What Open found and did.
struct OpenReport {
  LogScan scan;
  bool zeroed_tail = false;            // a torn tail was zeroed
  std::vector<std::string> moved;      // salvage: files written under lost/
  std::vector<std::string> removed;    // stray temp/incomplete files
};

class Log {
 public:
  // Opens the log in `dir` (created if missing): scans it under
  // options.recovery, calling `fn` for every record after `after_lsn` (see
  // ScanLog), then repairs what the mode allows: a torn tail is zeroed and
  // synced; in salvage mode the damaged rest is moved to `dir`/lost/.
  // Appends continue the last segment. Errors: those of ScanLog and of the
  // file system.
  static absl::StatusOr<std::unique_ptr<Log>> Open(
      Env* env, const std::string& dir, const LogOptions& options,
      uint64_t after_lsn, const RecordFn& fn, OpenReport* report = nullptr);
  // The same in two steps, for a caller that scans while it does other
  // work and repairs only once that work succeeded: `scan` is what
  // ScanLog(env, dir, options.recovery, after_lsn, ...) returned, with
  // nothing written to `dir` since.
  static absl::StatusOr<std::unique_ptr<Log>> OpenScanned(
      Env* env, const std::string& dir, const LogOptions& options,
      uint64_t after_lsn, const LogScan& scan, OpenReport* report = nullptr);

  // Syncs what was written (kNone) and closes; errors are logged in health.
  ~Log();

  // Appends one record per payload, as one group with consecutive LSNs, and
  // returns the LSN of the last once the mode's promise holds. An empty
  // `payloads` returns the last LSN handed out. `keys`, when given (one per
  // payload; "" for none), are stored beside the compressed payloads as
  // they are, so that a reader can tell records apart without unpacking
  // them (RecordView); at most kMaxKeyLength bytes each.
  absl::StatusOr<uint64_t> Append(std::span<const std::string_view> payloads,
                                  std::span<const std::string_view> keys = {});
  absl::StatusOr<uint64_t> Append(std::string_view payload);

  // Makes everything written so far durable (kNone, and before a
  // checkpoint or shutdown). Fails like Append.
  absl::Status Sync();

  // OK, or the error that stopped the log.
  absl::Status health() const;

  // Deletes the segments whose records all have LSN <= lsn, except the one
  // being written. Call once a checkpoint holding lsn is durable.
  absl::Status DropThrough(uint64_t lsn);

  // Moves the next LSN past `lsn` (a checkpoint at `lsn` was written with
  // no record): the next Append starts a new segment at lsn + 1.
  absl::Status SkipTo(uint64_t lsn);

  LogStats stats() const;

 private:
  struct Writer;
  struct Segment {
    std::string path;
    uint64_t number = 0;
    uint64_t first_lsn = 0;
    uint64_t last_lsn = 0;
    uint64_t end = 0;  // write offset
    uint64_t salt = 0;
  };

  Log(Env* env, std::string dir, LogOptions options);
  absl::Status Prepare(const LogScan& scan, uint64_t after_lsn,
                       OpenReport* report);
  absl::StatusOr<uint64_t> Commit(Writer& w);
  // Leader only (holds write_mu_).
  absl::Status WriteGroup(const std::vector<Writer*>& group, bool sync);
  absl::Status Roll(uint64_t first_lsn);
  absl::Status Fail(absl::Status s);

  Env* const env_;
  const std::string dir_;
  const LogOptions options_;
  uint64_t log_id_ = 0;

  mutable std::mutex mu_;  // queue_, next_lsn_, health_, stats
  std::deque<Writer*> queue_;
  uint64_t next_lsn_ = 1;
  absl::Status health_;
  LogStats stats_;
  std::atomic<int> active_{0};  // callers inside Append
  bool leader_waiting_ = false;  // a leader waits in its batch window
  std::condition_variable leader_cv_;  // ... on this, with mu_

  mutable std::mutex write_mu_;  // the leader; segments_ and file_
  std::vector<Segment> segments_;
  std::unique_ptr<WritableFile> file_;  // segments_.back()'s
  bool roll_next_ = false;  // the next record starts a new segment
};

}  // namespace aim::wal

#endif  // AIM_WAL_LOG_H_

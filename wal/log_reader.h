// Reading the log back: every segment in order, every record verified (CRC
// with the segment's salt, consecutive LSN, sane lengths and key; the zstd
// frame when the body is unpacked),
// and a decision for whatever does not verify, following the recovery mode.
//
// What counts as what:
// - Clean end: zeros (the preallocated rest of a segment) or the end of the
//   file where the next record would start.
// - Torn tail: bytes in the LAST segment, after its last valid record, that
//   are not a valid record, when no valid record after them claims (through
//   its `synced_through`) that the damaged place had been made durable. That
//   is what a crash or power cut during an unacknowledged write leaves.
// - Damage: anything else: a bad record in an earlier segment, a gap in the
//   LSNs between segments, a bad segment header (except a last segment whose
//   header is incomplete: a creation cut short), or bad bytes in the last
//   segment followed by a record that says they had been synced.
//
// Modes (as RocksDB's WALRecoveryMode):
//   kPointInTime  torn tail: reported (the writer truncates it); damage:
//                 DataLoss naming the file, the offset and the LSN expected.
//   kStrict       torn tail and damage both refuse (DataLoss).
//   kSalvage      keeps the longest verified prefix; the report's `cut`
//                 says where the rest begins (the writer moves it aside).
// Records of a type marked ignorable that this build does not know are
// skipped; other unknown types are damage.
//
// Reads only; never changes a file. Thread-compatible.
#ifndef AIM_WAL_LOG_READER_H_
#define AIM_WAL_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wal/env.h"
#include "wal/format.h"

namespace aim::wal {

enum class RecoveryMode { kPointInTime, kStrict, kSalvage };

struct SegmentState {
  std::string path;
  SegmentHeader header;
  uint64_t file_size = 0;
  uint64_t end = 0;       // just past the last valid record (aligned)
  uint64_t last_lsn = 0;  // header.first_lsn - 1 when it holds none
  uint64_t records = 0;
};

struct LogScan {
  std::vector<SegmentState> segments;  // the usable ones, in order
  uint64_t first_lsn = 0;  // of the first segment (0: no segments)
  uint64_t last_lsn = 0;   // of the last valid record (0: none)
  uint64_t records = 0;    // valid records read
  uint64_t bytes = 0;      // their bytes on disk
  uint64_t log_id = 0;     // 0: no segments

  // A torn tail in the last segment: [tail_begin, tail_end) is not a valid
  // record sequence and ends where only zeros follow.
  bool torn = false;
  uint64_t tail_begin = 0, tail_end = 0;
  std::string torn_why;

  // Salvage: where the dropped part begins (segment index into `segments`,
  // byte offset), every later segment file, and why.
  bool cut = false;
  size_t cut_segment = 0;
  uint64_t cut_offset = 0;
  std::vector<std::string> dropped_files;  // whole files after the cut
  std::string cut_why;

  // Files in the directory that are not part of the log: "*.tmp" left by an
  // interrupted segment creation, and a last segment with an incomplete
  // header.
  std::vector<std::string> stray_files;
};

// A record's body as stored: a zstd frame (zstd) or the bytes themselves.
struct StoredPayload {
  std::string_view bytes;
  uint32_t raw_length = 0;  // its length unpacked
  bool zstd = false;
};
// Unpacks a stored body into *out (replacing its contents). DataLoss when a
// zstd frame does not decompress to exactly raw_length bytes.
absl::Status UnpackPayload(const StoredPayload& p, std::string* out);

// A valid record as a scan finds it (checksum, LSN, flags and key checked),
// its body not yet unpacked: a caller that learns from the key alone that
// it will not need the body (a later record replaces it) never pays for
// unpacking it. Valid only during the callback.
struct RecordView {
  uint64_t lsn = 0;
  std::string_view key;  // "" for a record written without one
  StoredPayload body;
};
using RecordVisitor = std::function<absl::Status(const RecordView& record)>;

// Called for each valid record with lsn > after_lsn, in LSN order, with its
// body unpacked (the key is not passed). An error stops the scan and is
// returned as is.
using RecordFn =
    std::function<absl::Status(uint64_t lsn, std::string_view payload)>;

// Scans the log in `dir` (an empty or missing directory is an empty log).
// `after_lsn` is what the caller already holds (a checkpoint's LSN): a gap
// between segments is allowed where it lies within it, and the log must not
// start after after_lsn + 1.
absl::StatusOr<LogScan> ScanLog(Env* env, const std::string& dir,
                                RecoveryMode mode, uint64_t after_lsn,
                                const RecordFn& fn);
// The same, handing over each record as stored (see RecordView).
absl::StatusOr<LogScan> ScanLog(Env* env, const std::string& dir,
                                RecoveryMode mode, uint64_t after_lsn,
                                const RecordVisitor& visit);

}  // namespace aim::wal

#endif  // AIM_WAL_LOG_READER_H_

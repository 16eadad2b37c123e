// Checkpoints: a compressed, checksummed image of every file's facts at one
// LSN. Startup loads the newest valid checkpoint and replays the WAL records
// after its LSN. The byte layout is in recovery/FORMAT.md.
//
// A checkpoint is written whole or not at all: WriteCheckpoint writes
// `path + ".tmp"`, fsyncs it, renames it over `path` and fsyncs the
// directory. Readers verify everything (magic, version, sizes, both CRC32Cs,
// the zstd frame, the payload's structure and the facts' index invariants)
// before returning anything, and allocate only what a checked size allows.
//
// Errors (every message names the file, or "checkpoint" in memory, and the
// offset or field that failed):
//   DataLoss            damaged, truncated or foreign bytes
//   FailedPrecondition  a format version or required flag newer than this
//                       build reads (the file may be fine: do not discard it)
//   I/O errors          the absl code of the errno (NotFound, PermissionDenied,
//                       ResourceExhausted for ENOSPC, ...), with the path and
//                       the errno's text and name
// Thread-compatible: no shared state.
#ifndef AIM_RECOVERY_CHECKPOINT_H_
#define AIM_RECOVERY_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/graph/graph.h"
#include "wal/env.h"

namespace aim::recovery {

inline constexpr std::string_view kCheckpointMagic = "AIMCKPT1";
inline constexpr uint32_t kCheckpointVersion = 1;
inline constexpr size_t kCheckpointHeaderSize = 64;
// Largest uncompressed payload written or read (checked before allocating).
inline constexpr uint64_t kMaxCheckpointPayload = uint64_t{4} << 30;  // 4 GiB

struct CheckpointData {
  uint64_t lsn = 0;                  // the image holds every record <= lsn
  std::string root;                  // the workspace root
  int64_t created_unix_micros = 0;   // stored as given (0: not recorded)
  // The state, in one of two forms: every file's facts (resolved again on
  // load), or a graph image (graph::Graph::SaveImage; loads without
  // resolving). With an image, `files` is empty.
  std::vector<graph::FileInput> files;
  // The image is image_storage[image_begin..] (decoding keeps the whole
  // payload to avoid copying the image out of it), or the same of
  // image_buffer: what decoding a framed payload fills, never zeroed
  // first (tens of megabytes that the decompression writes anyway).
  std::string image_storage;
  std::unique_ptr<char[]> image_buffer;
  size_t image_buffer_size = 0;
  size_t image_begin = 0;
  // Writing only: a graph whose image is written (streamed: saved and
  // compressed at once, never held whole) in place of image_storage. It
  // must not change while the checkpoint is encoded.
  const graph::Graph* graph = nullptr;
  bool has_image() const {
    return !image_storage.empty() || image_buffer_size > 0;
  }
  std::string_view image() const {
    const std::string_view all =
        image_buffer ? std::string_view(image_buffer.get(), image_buffer_size)
                     : std::string_view(image_storage);
    return all.substr(image_begin);
  }
  // Frees the image's bytes (has_image() is then false).
  void ReleaseImage() {
    image_storage = std::string();
    image_buffer.reset();
    image_buffer_size = 0;
  }
};

// Serialises `data` into *out (replacing its contents). Fails only if the
// payload exceeds kMaxCheckpointPayload or zstd fails.
absl::Status EncodeCheckpoint(const CheckpointData& data, std::string* out);

// Parses and verifies a whole checkpoint held in memory.
absl::StatusOr<CheckpointData> DecodeCheckpoint(std::string_view bytes);

// Writes `data` durably at `path` (see the header comment). On any failure
// before the rename, `path` is untouched and the temp file is removed. If
// only the final directory fsync fails, the new file is in place but may not
// survive a power loss; the error says so. Never retries.
absl::Status WriteCheckpoint(wal::Env* env, const std::string& path,
                             const CheckpointData& data);

// Reads and verifies the checkpoint at `path`.
absl::StatusOr<CheckpointData> ReadCheckpoint(wal::Env* env,
                                              const std::string& path);

// ReadCheckpoint in two steps, for a caller that does its I/O on one thread
// and the decoding (checksum, decompression, parsing: the CPU work) beside
// other I/O. ReadCheckpointFile reads the file and verifies its header (so
// `lsn` can be trusted as far as a header CRC goes); DecodeCheckpointFile
// verifies and decodes the rest, with the errors ReadCheckpoint gives.
struct CheckpointFile {
  std::string path;
  std::unique_ptr<wal::FileBytes> data;  // the whole file (mapped or read)
  uint64_t lsn = 0;  // from the verified header
  std::string_view bytes() const {
    return data ? data->view() : std::string_view();
  }
};
absl::StatusOr<CheckpointFile> ReadCheckpointFile(wal::Env* env,
                                                  const std::string& path);
absl::StatusOr<CheckpointData> DecodeCheckpointFile(const CheckpointFile& file);

// The same on the real file system (wal::Env::Default()).
absl::Status WriteCheckpoint(const std::string& path,
                             const CheckpointData& data);
absl::StatusOr<CheckpointData> ReadCheckpoint(const std::string& path);

namespace internal {
// Wraps an uncompressed payload in a header and zstd frame with correct
// sizes and CRCs, exactly as EncodeCheckpoint does after building the
// payload. For tests and fuzzers that need to reach the payload decoder
// behind the checksums.
absl::Status SealPayload(std::string_view payload, uint64_t lsn,
                         uint64_t file_count, std::string* out,
                         uint32_t extra_flags = 0);
// The same for a payload given in pieces (one after the other), which are
// compressed where they are rather than copied together first.
absl::Status SealPayload(std::span<const std::string_view> pieces,
                         uint64_t lsn, uint64_t file_count, std::string* out,
                         uint32_t extra_flags = 0);
// The message WriteCheckpoint gives for an errno (exposed for tests: ENOSPC
// cannot be provoked portably).
absl::Status IoError(int err, std::string_view op, const std::string& file,
                     std::string_view consequence = {});
}  // namespace internal

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_CHECKPOINT_H_

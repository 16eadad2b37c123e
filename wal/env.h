// The file-system seam. Every byte wal/ and recovery/ put on or take from
// disk goes through an Env, so tests can run on an in-memory file system
// (wal/mem_env.h) that models what survives a power cut, and the fault
// injector (fault_injection/fault_env.h) can fail any operation.
//
// Conventions (as LevelDB's include/leveldb/env.h):
// - Paths are plain strings, '/'-separated; a directory's entries are named
//   without the directory.
// - Errors are absl::Status values built by IoError: the code of the errno
//   (NotFound, PermissionDenied, ResourceExhausted for ENOSPC, ...), and a
//   message naming the operation, the path and the errno's text and name.
// - Nothing is durable until synced: file data by WritableFile::Sync, a
//   file's name (creation, rename, removal) by Env::SyncDir of its directory.
//
// Thread-safety: an Env may be used from many threads at once. A
// WritableFile is used by one thread at a time (callers serialise).
#ifndef AIM_WAL_ENV_H_
#define AIM_WAL_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aim::wal {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes `data` at `offset` (pwrite), extending the file if needed.
  virtual absl::Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Makes the file's data durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Grows the file to at least `size` bytes of zeros with the blocks
  // reserved (fallocate), so later writes in that range need no metadata
  // update and cannot fail for lack of space.
  virtual absl::Status Allocate(uint64_t size) = 0;
  virtual absl::Status Truncate(uint64_t size) = 0;
  // Closing is not syncing. The destructor closes silently.
  virtual absl::Status Close() = 0;
};

// A file's bytes, held for as long as this lives (ReadableFile::ReadWhole).
class FileBytes {
 public:
  virtual ~FileBytes() = default;
  virtual std::string_view view() const = 0;
};

// Reads at offsets from a file that is not being truncated meanwhile.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to n bytes at offset into *out (replacing it); fewer only at
  // the end of the file.
  virtual absl::Status ReadAt(uint64_t offset, size_t n, std::string* out) = 0;
  // Up to the first n bytes (fewer only at the end of the file), for a
  // file that is written once and then only replaced by a rename, never
  // changed in place (a checkpoint): the POSIX Env maps the file (no copy,
  // and no fresh memory to clear: a read of a 17 MB checkpoint into
  // memory took 14-17 ms, a mapping of it 1.2); this reads, through ReadAt.
  // (A mapped file truncated in place by someone else while held would
  // fault on access, as with any mapping: hence only such files.)
  virtual absl::StatusOr<std::unique_ptr<FileBytes>> ReadWhole(size_t n);
  virtual absl::StatusOr<uint64_t> Size() = 0;
  // An offset from which on the file reads as zeros only: holes and space
  // allocated but never written (a preallocated log segment's tail), as
  // the file system reports them. Never beyond Size(); Size() when unknown.
  virtual absl::StatusOr<uint64_t> DataEnd() { return Size(); }
};

// An exclusive advisory lock on a file, released when destroyed (or when the
// process dies, for the POSIX Env).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The real file system (POSIX). Never null; lives for the process.
  static Env* Default();

  // Opens `path` for writing, creating it if missing; with `truncate`, an
  // existing file is emptied first.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, bool truncate) = 0;
  virtual absl::StatusOr<std::unique_ptr<ReadableFile>> OpenReadable(
      const std::string& path) = 0;
  // The names in `dir` (no "." or ".."), in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) = 0;
  // Creates `dir` (not its parents); OK if it exists as a directory.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  // Atomically replaces `to` with `from`.
  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;
  virtual absl::Status Remove(const std::string& path) = 0;
  // Makes the directory's entries durable (fsync of the directory).
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // NotFound if missing.
  virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing). Unavailable
  // (naming the path) when another holder has it.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> Lock(
      const std::string& path) = 0;

  // ---- helpers over the primitives above

  // Reads a whole file.
  absl::Status ReadFile(const std::string& path, std::string* out);
  // Reads a file's data: *out gets its bytes up to at least DataEnd() (and
  // some zeros after it), *size its size; the bytes between out->size()
  // and *size are zeros. A preallocated segment costs what was written in
  // it, not its size.
  absl::Status ReadFileData(const std::string& path, std::string* out,
                            uint64_t* size);
  // Writes `data` to `path` whole or not at all: temp file, write, sync,
  // rename over `path`, sync the directory. On failure before the rename
  // `path` is untouched and the temp file removed; if only the directory
  // sync fails the new file is in place and the error says it may not
  // survive a power cut. Never retries.
  absl::Status WriteFileAtomically(const std::string& path,
                                   std::string_view data);
};

// The error for a failed operation: code from errno, message
// "<op> <path>: <strerror> (<ENAME>)[; the disk is full][; <consequence>]".
absl::Status IoError(int err, std::string_view op, std::string_view path,
                     std::string_view consequence = {});

// "a/b/c" -> "a/b"; "c" -> "."; "/c" -> "/".
std::string DirName(std::string_view path);
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace aim::wal

#endif  // AIM_WAL_ENV_H_

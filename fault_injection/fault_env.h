// An Env wrapper that injects I/O faults, for tests and the crash harness
// (in the manner of LevelDB's fault-injection env and SQLite's I/O error
// loops).
//
// Every operation through it is counted. A fault is armed with Arm(): the
// `nth` next operation of the selected kinds (1 = the very next one) fails
// with `err`; `permanent` makes every later one of those kinds fail too.
// `lie` makes a failing Sync report success instead while not syncing
// (a disk that drops a flush), and without `lie` a Sync failure does not
// sync either. Power cuts are the base MemEnv's (MemEnv::PowerCut).
//
// Thread-safe.
#ifndef AIM_FAULT_INJECTION_FAULT_ENV_H_
#define AIM_FAULT_INJECTION_FAULT_ENV_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "wal/env.h"

namespace aim::fault {

enum OpKind : uint32_t {
  kOpOpen = 1,       // OpenWritable, OpenReadable, Lock
  kOpRead = 2,       // ReadAt, Size, ListDir, FileSize
  kOpWrite = 4,      // WriteAt
  kOpSync = 8,       // WritableFile::Sync
  kOpAllocate = 16,  // Allocate, Truncate
  kOpClose = 32,
  kOpRename = 64,
  kOpRemove = 128,
  kOpSyncDir = 256,
  kOpCreateDir = 512,
  kOpAll = 1023,
};

struct Fault {
  uint32_t kinds = kOpAll;
  uint64_t nth = 1;        // fail the nth matching operation from now
  int err = 5;             // EIO
  bool permanent = false;  // and every later matching one
  bool lie = false;        // a failing Sync says OK (and does nothing)
  // Only operations on paths containing this count (empty: every path).
  std::string path_contains;
};

class FaultEnv final : public wal::Env {
 public:
  explicit FaultEnv(wal::Env* base) : base_(base) {}

  void Arm(const Fault& fault);
  void Disarm();
  // Operations seen since construction; faults injected.
  uint64_t ops() const { return ops_.load(); }
  uint64_t injected() const { return injected_.load(); }

  absl::StatusOr<std::unique_ptr<wal::WritableFile>> OpenWritable(
      const std::string& path, bool truncate) override;
  absl::StatusOr<std::unique_ptr<wal::ReadableFile>> OpenReadable(
      const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override;
  absl::Status CreateDir(const std::string& dir) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
  bool Exists(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<wal::FileLock>> Lock(
      const std::string& path) override;

  // Counts one operation of `kind` on `path`; returns the injected error,
  // or OK. `lied` is set when a Sync must pretend to succeed. (Used by the
  // file wrappers.)
  absl::Status Check(OpKind kind, std::string_view op, std::string_view path,
                     bool* lied = nullptr);

 private:
  wal::Env* const base_;
  std::mutex mu_;
  Fault fault_;
  bool armed_ = false;
  bool tripped_ = false;  // a permanent fault has fired
  uint64_t countdown_ = 0;
  std::atomic<uint64_t> ops_{0}, injected_{0};
};

}  // namespace aim::fault

#endif  // AIM_FAULT_INJECTION_FAULT_ENV_H_

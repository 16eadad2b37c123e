// An in-memory Env that remembers what is durable, for tests and the crash
// harness: it models a power cut the way LevelDB's fault-injection test env
// does.
//
// Model: each file has its current bytes and its durable bytes (those at
// its last Sync). Each name in a directory is durable once the directory
// was synced after the name was created, renamed or removed. PowerCut()
// throws away what was not durable:
//   kDropUnsynced   every file goes back to its durable bytes, and the
//                   namespace to its durable state (files created since the
//                   last SyncDir vanish, renames and removals are undone);
//   kDropRandom     as kDropUnsynced for names, but each 512-byte sector
//                   written since the last Sync independently keeps its new
//                   or its old bytes (a disk that reorders writes), and a
//                   grown file keeps or loses its new length.
// Open handles keep working on the same file after a PowerCut (the tests
// reopen everything anyway).
//
// Thread-safe.
#ifndef AIM_WAL_MEM_ENV_H_
#define AIM_WAL_MEM_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "wal/env.h"

namespace aim::wal {

class MemEnv final : public Env {
 public:
  enum class PowerCutMode { kDropUnsynced, kDropRandom };

  MemEnv();
  ~MemEnv() override;

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, bool truncate) override;
  absl::StatusOr<std::unique_ptr<ReadableFile>> OpenReadable(
      const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override;
  absl::Status CreateDir(const std::string& dir) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status Remove(const std::string& path) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
  bool Exists(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> Lock(
      const std::string& path) override;

  void PowerCut(PowerCutMode mode, uint64_t seed = 0);

  // Direct access for byte-level damage in tests (NotFound if missing).
  absl::Status GetContents(const std::string& path, std::string* out);
  absl::Status SetContents(const std::string& path, std::string data);

  struct Inode;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace aim::wal

#endif  // AIM_WAL_MEM_ENV_H_

// The MANIFEST names the checkpoint a database starts from. It is replaced
// whole (temp file, sync, rename, directory sync), so a reader sees the old
// or the new one, never a mix; only after it names a new checkpoint are the
// WAL segments that checkpoint covers deleted.
//
// Layout: magic "AIMMANI1", u32 version, u64 checkpoint LSN, the checkpoint
// file's name (varint length + bytes), u32 masked CRC32C of all before it.
#ifndef AIM_RECOVERY_MANIFEST_H_
#define AIM_RECOVERY_MANIFEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "wal/env.h"

namespace aim::recovery {

inline constexpr std::string_view kManifestName = "MANIFEST";
inline constexpr uint32_t kManifestVersion = 1;

struct Manifest {
  uint64_t checkpoint_lsn = 0;
  std::string checkpoint;  // file name inside the database directory
};

std::string EncodeManifest(const Manifest& m);
// DataLoss (naming `name`) for damage; FailedPrecondition for a newer version.
absl::StatusOr<Manifest> DecodeManifest(std::string_view bytes,
                                        std::string_view name);

// "checkpoint-<20-digit lsn>.aim"
std::string CheckpointFileName(uint64_t lsn);
bool ParseCheckpointFileName(std::string_view name, uint64_t* lsn);

// Reads <db>/MANIFEST: NotFound when there is none.
absl::StatusOr<Manifest> ReadManifest(wal::Env* env, const std::string& db);
absl::Status WriteManifest(wal::Env* env, const std::string& db,
                           const Manifest& m);

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_MANIFEST_H_

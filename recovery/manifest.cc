#include "recovery/manifest.h"

#include <cstdio>
#include <cstring>

#include "engine/model/coding.h"
#include "wal/crc32c.h"
#include "wal/kill_point.h"

namespace aim::recovery {

namespace {
constexpr std::string_view kMagic = "AIMMANI1";
namespace coding = model::coding;
}  // namespace

std::string EncodeManifest(const Manifest& m) {
  std::string out(kMagic);
  coding::PutFixed32(&out, kManifestVersion);
  coding::PutFixed64(&out, m.checkpoint_lsn);
  coding::PutString(&out, m.checkpoint);
  coding::PutFixed32(&out, wal::crc32c::Mask(wal::crc32c::Value(out)));
  return out;
}

absl::StatusOr<Manifest> DecodeManifest(std::string_view bytes,
                                        std::string_view name) {
  auto corrupt = [&](const std::string& why) {
    return absl::DataLossError(std::string(name) + ": " + why);
  };
  if (bytes.size() < kMagic.size() + 4 + 8 + 1 + 4)
    return corrupt("truncated (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes.substr(0, kMagic.size()) != kMagic) return corrupt("not a manifest (bad magic)");
  const size_t body = bytes.size() - 4;
  if (wal::crc32c::Unmask(coding::DecodeFixed32(bytes.data() + body)) !=
      wal::crc32c::Value(bytes.data(), body))
    return corrupt("checksum mismatch");
  coding::Reader r(bytes.substr(kMagic.size(), body - kMagic.size()));
  const uint32_t version = r.Fixed32("manifest version");
  if (version != kManifestVersion)
    return absl::FailedPreconditionError(
        std::string(name) + ": format version " + std::to_string(version) +
        " is not one this build reads (" + std::to_string(kManifestVersion) + ")");
  Manifest m;
  m.checkpoint_lsn = r.Fixed64("manifest checkpoint LSN");
  r.String(&m.checkpoint, "manifest checkpoint name");
  if (r.ok() && r.remaining() != 0) r.Fail("manifest", "trailing bytes");
  if (!r.ok()) return corrupt(std::string(r.status().message()));
  uint64_t lsn;
  if (!ParseCheckpointFileName(m.checkpoint, &lsn) || lsn != m.checkpoint_lsn)
    return corrupt("names an unexpected checkpoint file '" + m.checkpoint + "'");
  return m;
}

std::string CheckpointFileName(uint64_t lsn) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "checkpoint-%020llu.aim",
                static_cast<unsigned long long>(lsn));
  return buf;
}

bool ParseCheckpointFileName(std::string_view name, uint64_t* lsn) {
  constexpr std::string_view kPrefix = "checkpoint-", kSuffix = ".aim";
  if (name.size() != kPrefix.size() + 20 + kSuffix.size() ||
      name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix)
    return false;
  uint64_t v = 0;
  for (char c : name.substr(kPrefix.size(), 20)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *lsn = v;
  return true;
}

absl::StatusOr<Manifest> ReadManifest(wal::Env* env, const std::string& db) {
  const std::string path = wal::JoinPath(db, kManifestName);
  if (!env->Exists(path)) return absl::NotFoundError(path + ": no manifest");
  std::string bytes;
  if (absl::Status s = env->ReadFile(path, &bytes); !s.ok()) return s;
  return DecodeManifest(bytes, path);
}

absl::Status WriteManifest(wal::Env* env, const std::string& db,
                           const Manifest& m) {
  AIM_KILL_POINT("manifest.write");
  return env->WriteFileAtomically(wal::JoinPath(db, kManifestName),
                                  EncodeManifest(m));
}

}  // namespace aim::recovery

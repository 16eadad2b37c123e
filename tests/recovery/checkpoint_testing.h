// Helpers for checkpoint tests: sample data, comparisons, and LevelDB
// log_test-style byte surgery on an encoded checkpoint (patch a header
// field, then fix the header CRC so the damage gets past it).
#ifndef AIM_TESTS_RECOVERY_CHECKPOINT_TESTING_H_
#define AIM_TESTS_RECOVERY_CHECKPOINT_TESTING_H_

#include <string>

#include "engine/model/coding.h"
#include "recovery/checkpoint.h"
#include "tests/model/facts_testing.h"
#include "wal/crc32c.h"

namespace aim::testing {

// Header offsets, as in recovery/FORMAT.md.
inline constexpr size_t kVersionAt = 8, kHeaderSizeAt = 12, kFlagsAt = 16,
                        kLsnAt = 24, kFileCountAt = 32, kRawSizeAt = 40,
                        kPackedSizeAt = 48, kPayloadCrcAt = 56,
                        kHeaderCrcAt = 60;

inline void Set32(std::string& b, size_t at, uint32_t v) {
  model::coding::EncodeFixed32(b.data() + at, v);
}
inline void Set64(std::string& b, size_t at, uint64_t v) {
  model::coding::EncodeFixed64(b.data() + at, v);
}
inline uint32_t Get32(const std::string& b, size_t at) {
  return model::coding::DecodeFixed32(b.data() + at);
}
inline uint64_t Get64(const std::string& b, size_t at) {
  return model::coding::DecodeFixed64(b.data() + at);
}
inline void FixHeaderCrc(std::string& b) {
  Set32(b, kHeaderCrcAt,
        wal::crc32c::Mask(wal::crc32c::Value(b.data(), kHeaderCrcAt)));
}

// Replaces the payload (everything after the header) and makes the sizes
// and checksums fit it again.
inline void ResealPayload(std::string& b, std::string_view payload) {
  b.resize(recovery::kCheckpointHeaderSize);
  b.append(payload);
  Set64(b, kPackedSizeAt, payload.size());
  Set32(b, kPayloadCrcAt, wal::crc32c::Mask(wal::crc32c::Value(payload)));
  FixHeaderCrc(b);
}

inline graph::FileInput Input(std::string path, FileFacts facts) {
  graph::FileInput in;
  in.path = std::move(path);
  in.crate = "my_crate";
  in.module = "a::b";
  in.facts = std::move(facts);
  return in;
}

// A small checkpoint: two files, one with every field set.
inline recovery::CheckpointData SmallData() {
  recovery::CheckpointData d;
  d.lsn = 42;
  d.root = "/work/ünï/日本/🦀";
  d.created_unix_micros = 1700000000123456;
  d.files.push_back(Input("src/lib.rs", FullFacts()));
  FileFacts tiny;
  tiny.file = "src/a/b.rs";
  tiny.content_hash = 7;
  tiny.lines = 1;
  d.files.push_back(Input("src/a/b.rs", tiny));
  return d;
}

inline std::string DataDiff(const recovery::CheckpointData& a,
                            const recovery::CheckpointData& b) {
  if (a.lsn != b.lsn) return "lsn";
  if (a.root != b.root) return "root";
  if (a.created_unix_micros != b.created_unix_micros) return "created";
  if (a.files.size() != b.files.size()) return "file count";
  for (size_t i = 0; i < a.files.size(); ++i) {
    const graph::FileInput &x = a.files[i], &y = b.files[i];
    if (x.path != y.path || x.crate != y.crate || x.module != y.module)
      return "files[" + std::to_string(i) + "] place";
    std::string d = FactsDiff(x.facts, y.facts);
    if (!d.empty()) return "files[" + std::to_string(i) + "]: " + d;
  }
  return "";
}

}  // namespace aim::testing

#endif  // AIM_TESTS_RECOVERY_CHECKPOINT_TESTING_H_

// libFuzzer target for the checkpoint loader (recovery/checkpoint.h).
// Build and run: see README "Fuzzing".
//
// The first byte picks what the rest is:
//   even: a whole checkpoint file, decoded as is (header, CRCs, zstd, ...);
//   odd:  an uncompressed payload, sealed with valid sizes and CRCs first,
//         so the payload, FileInput and FileFacts decoders are reached
//         behind the checksums (LSN and file count come from bytes 1..16).
// Whatever decodes must re-encode to bytes that decode to the same data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model/coding.h"
#include "recovery/checkpoint.h"

namespace {

void CheckRoundTrip(const aim::recovery::CheckpointData& data) {
  std::string once, twice;
  if (!aim::recovery::EncodeCheckpoint(data, &once).ok()) __builtin_trap();
  auto again = aim::recovery::DecodeCheckpoint(once);
  if (!again.ok()) __builtin_trap();
  if (!aim::recovery::EncodeCheckpoint(*again, &twice).ok()) __builtin_trap();
  if (once != twice) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string sealed;
  if (data[0] & 1) {
    if (bytes.size() < 16) return 0;
    uint64_t lsn = aim::model::coding::DecodeFixed64(bytes.data());
    uint64_t count = aim::model::coding::DecodeFixed64(bytes.data() + 8);
    bytes.remove_prefix(16);
    if (!aim::recovery::internal::SealPayload(bytes, lsn, count, &sealed).ok())
      return 0;
    bytes = sealed;
  }
  auto decoded = aim::recovery::DecodeCheckpoint(bytes);
  if (decoded.ok()) {
    CheckRoundTrip(*decoded);
  } else if (decoded.status().message().empty()) {
    __builtin_trap();  // every error says what failed
  }
  return 0;
}

// libFuzzer target for the WAL record decoder (wal/log_reader.h: ScanLog)
// and the WAL payload decoder behind it (recovery/mutation_codec.h).
// Build and run: scripts/fuzz.sh fuzz_wal [seconds] (README "Crash harness").
//
// Byte 0 picks the recovery mode (bits 0-1: point-in-time, strict,
// salvage) and what the rest is (bit 2):
//   0: the bytes of one segment file, read as they are;
//   1: records sealed first, so the CRCs pass and the LSN checks, the zstd
//      frames and the mutation decoder are reached: the rest is a sequence
//      of [u8 len_lo][u8 len_hi][u8 type][u8 flags][u8 lsn_step][u8 damage]
//      [payload of len bytes], each written with a valid record header and
//      CRC after a valid segment header; a non-zero `damage` byte then
//      flips one bit of the sealed bytes (at an offset it derives).
// Bit 3 splits the records over two segments.
// Invariants: no crash; every error has a message; the records handed out
// have increasing LSNs and are within what the scan reports; a payload that
// decodes re-encodes to bytes that decode to the same encoding. Every
// record also goes to a replay fold (keyed ones kept packed), whose result
// is taken at the end.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "recovery/mutation_codec.h"
#include "wal/format.h"
#include "wal/log_reader.h"
#include "wal/mem_env.h"

namespace {

namespace wal = aim::wal;

constexpr uint64_t kSalt = 0x5eed5a17;
constexpr uint64_t kLogId = 0x10c1d;

std::string SegmentWithHeader(uint64_t number, uint64_t first_lsn) {
  wal::SegmentHeader h;
  h.number = number;
  h.first_lsn = first_lsn;
  h.salt = kSalt + number;
  h.log_id = kLogId;
  return wal::EncodeSegmentHeader(h);
}

// Seals the chunks of `in` as records into one or two segments.
std::vector<std::string> Seal(std::string_view in, bool two) {
  std::vector<std::string> segs{SegmentWithHeader(1, 1)};
  uint64_t lsn = 1, synced = 0;
  std::vector<std::pair<size_t, uint8_t>> damage;  // segment, byte
  size_t chunk = 0;
  while (in.size() >= 6) {
    const size_t len = std::min<size_t>(static_cast<uint8_t>(in[0]) |
                                            (static_cast<uint8_t>(in[1]) << 8),
                                        in.size() - 6);
    wal::RecordHeader h;
    h.type = static_cast<uint8_t>(in[2]);
    h.flags = static_cast<uint8_t>(in[3]);
    const uint8_t step = static_cast<uint8_t>(in[4]);
    const uint8_t dmg = static_cast<uint8_t>(in[5]);
    const std::string_view payload = in.substr(6, len);
    in.remove_prefix(6 + len);
    if (two && chunk == 2) segs.push_back(SegmentWithHeader(2, lsn));
    ++chunk;
    h.length = static_cast<uint32_t>(payload.size());
    // A keyed record's unpacked length is its body's (after the key).
    size_t body = payload.size();
    if ((h.flags & wal::kFlagKeyed) && body >= wal::kKeyLengthSize) {
      const size_t key = static_cast<uint8_t>(payload[0]) |
                         (static_cast<uint8_t>(payload[1]) << 8);
      body = key <= body - wal::kKeyLengthSize
                 ? body - wal::kKeyLengthSize - key
                 : body;
    }
    h.raw_length = static_cast<uint32_t>(body) + (step >> 4);
    h.lsn = lsn;
    h.synced_through = step & 8 ? synced : 0;
    std::string& seg = segs.back();
    const size_t at = seg.size();
    seg.resize(at + wal::AlignUp(wal::kRecordHeaderSize + payload.size()), '\0');
    char* p = seg.data() + at;
    wal::EncodeRecordHeader(h, p);
    std::memcpy(p + wal::kRecordHeaderSize, payload.data(), payload.size());
    h.crc = wal::RecordCrc(kSalt + segs.size(), p, payload);
    wal::EncodeFixed32(p + wal::kRecOffCrc, h.crc);
    synced = lsn;
    lsn += (step & 7) == 7 ? 2 : 1;  // now and then a gap
    if (dmg != 0) damage.push_back({segs.size() - 1, dmg});
  }
  for (auto [s, dmg] : damage) {
    std::string& seg = segs[s];
    const size_t off = (dmg * 2654435761u) % seg.size();
    seg[off] = static_cast<char>(seg[off] ^ (1 << (dmg & 7)));
  }
  return segs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t how = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const wal::RecoveryMode mode = (how & 3) == 1   ? wal::RecoveryMode::kStrict
                                 : (how & 3) == 2 ? wal::RecoveryMode::kSalvage
                                                  : wal::RecoveryMode::kPointInTime;
  std::vector<std::string> segs;
  if (how & 4) segs = Seal(rest, how & 8);
  else segs.emplace_back(rest);

  wal::MemEnv env;
  if (!env.CreateDir("/wal").ok()) __builtin_trap();
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string path = "/wal/" + wal::SegmentFileName(i + 1);
    auto f = env.OpenWritable(path, true);
    if (!f.ok() || !(*f)->Close().ok() || !env.SetContents(path, segs[i]).ok())
      __builtin_trap();
  }

  uint64_t records = 0, last = 0;
  aim::recovery::MutationFold fold;
  std::string payload;
  auto fn = [&](const wal::RecordView& r) -> absl::Status {
    const uint64_t lsn = r.lsn;
    if (absl::Status s = wal::UnpackPayload(r.body, &payload); !s.ok()) {
      if (s.message().empty()) __builtin_trap();
      return s;
    }
    if (absl::Status s = fold.AddRecord(r); !s.ok() && s.message().empty())
      __builtin_trap();
    // In order (a skipped record of an ignorable type leaves a gap).
    if (lsn <= last) __builtin_trap();
    last = lsn;
    ++records;
    auto m = aim::recovery::DecodeMutation(payload);
    if (m.ok()) {
      std::string once, twice;
      aim::recovery::EncodeMutation(*m, &once);
      auto again = aim::recovery::DecodeMutation(once);
      if (!again.ok()) __builtin_trap();
      aim::recovery::EncodeMutation(*again, &twice);
      if (once != twice) __builtin_trap();
    } else if (m.status().message().empty()) {
      __builtin_trap();
    }
    return absl::OkStatus();
  };
  absl::StatusOr<wal::LogScan> scan =
      wal::ScanLog(&env, "/wal", mode, 0, wal::RecordVisitor(fn));
  absl::StatusOr<aim::recovery::Mutation> folded = fold.Take();
  if (!folded.ok() && folded.status().message().empty()) __builtin_trap();
  if (!scan.ok()) {
    if (scan.status().message().empty()) __builtin_trap();
    return 0;
  }
  // The scan counts records of an ignorable type it skipped; fn never saw them.
  if (records > scan->records || last > scan->last_lsn) __builtin_trap();
  return 0;
}

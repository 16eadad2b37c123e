// The WAL's on-disk format: constants and the fixed-size headers. The prose
// specification, with the reasoning, is wal/FORMAT.md; keep both in step.
#ifndef AIM_WAL_FORMAT_H_
#define AIM_WAL_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aim::wal {

// ---- segment files: <dir>/wal-<20-digit number>.log
inline constexpr std::string_view kSegmentMagic = "AIMWAL01";
// Version 2 added keyed records (kFlagKeyed); version 1 segments are still
// read, and a log whose last segment is one continues in a new segment.
inline constexpr uint32_t kSegmentVersion = 2;
inline constexpr uint32_t kSegmentMinVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 64;

struct SegmentHeader {
  uint32_t version = kSegmentVersion;
  uint64_t number = 0;     // 1, 2, ... (the file name says the same)
  uint64_t first_lsn = 0;  // LSN of the segment's first record
  uint64_t salt = 0;       // random per segment; mixed into every record CRC
  uint64_t log_id = 0;     // random per log; the same in all its segments
};
// Offsets in the segment header.
inline constexpr size_t kSegOffVersion = 8;     // u32
inline constexpr size_t kSegOffHeaderSize = 12; // u32
inline constexpr size_t kSegOffNumber = 16;     // u64
inline constexpr size_t kSegOffFirstLsn = 24;   // u64
inline constexpr size_t kSegOffSalt = 32;       // u64
inline constexpr size_t kSegOffLogId = 40;      // u64
inline constexpr size_t kSegOffFlags = 48;      // u32, 0
inline constexpr size_t kSegOffCrc = 60;        // u32, masked CRC32C of [0, 60)

// ---- records, back to back from kSegmentHeaderSize, each starting at a
// multiple of kRecordAlign (zero padding between them).
inline constexpr size_t kRecordHeaderSize = 32;
inline constexpr size_t kRecordAlign = 8;
inline constexpr size_t kRecOffCrc = 0;          // u32 masked CRC32C (below)
inline constexpr size_t kRecOffLength = 4;       // u32 payload bytes on disk
inline constexpr size_t kRecOffLsn = 8;          // u64
inline constexpr size_t kRecOffSyncedThrough = 16;  // u64
inline constexpr size_t kRecOffRawLength = 24;   // u32 payload bytes unpacked
inline constexpr size_t kRecOffType = 28;        // u8
inline constexpr size_t kRecOffFlags = 29;       // u8
inline constexpr size_t kRecOffReserved = 30;    // u16, 0

// Record types. A type with kTypeIgnorable set may be skipped by a reader
// that does not know it; any other unknown type is damage.
inline constexpr uint8_t kTypeData = 1;
inline constexpr uint8_t kTypeIgnorable = 0x80;
// Record flags.
inline constexpr uint8_t kFlagZstd = 1;  // the body is one zstd frame
// The payload on disk begins with a key, stored as is: its length (u16)
// and its bytes; the body follows. Only in segments of version >= 2.
inline constexpr uint8_t kFlagKeyed = 2;
inline constexpr size_t kKeyLengthSize = 2;
// Longest key accepted; a longer one is damage (and refused by Append).
inline constexpr size_t kMaxKeyLength = 4096;

// Largest payload accepted (either length); a bigger length is damage.
inline constexpr uint32_t kMaxRecordPayload = 256u << 20;

struct RecordHeader {
  uint32_t crc = 0;  // as stored (masked)
  uint32_t length = 0;
  uint64_t lsn = 0;
  uint64_t synced_through = 0;  // every LSN <= this was durable when written
  uint32_t raw_length = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
  uint16_t reserved = 0;
};

inline void EncodeFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline void EncodeFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

inline constexpr uint64_t AlignUp(uint64_t v) {
  return (v + kRecordAlign - 1) & ~uint64_t{kRecordAlign - 1};
}

// Segment headers.
std::string EncodeSegmentHeader(const SegmentHeader& h);
// False unless the 64 bytes hold a valid header of this version.
bool DecodeSegmentHeader(std::string_view bytes, SegmentHeader* h,
                         std::string* why);

// Records. The CRC covers the segment's salt, the header's bytes after the
// CRC field, and the payload: a record copied into another segment, or left
// over from an older segment that reused the name, does not verify.
void EncodeRecordHeader(const RecordHeader& h, char* out /*32 bytes*/);
RecordHeader DecodeRecordHeader(const char* p /*32 bytes*/);
uint32_t RecordCrc(uint64_t salt, const char* header /*32 bytes*/,
                   std::string_view payload);

std::string SegmentFileName(uint64_t number);
// True for "wal-<20 digits>.log", with the number.
bool ParseSegmentFileName(std::string_view name, uint64_t* number);

}  // namespace aim::wal

#endif  // AIM_WAL_FORMAT_H_

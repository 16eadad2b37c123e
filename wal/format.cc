#include "wal/format.h"

#include <cstdio>
#include <cstring>

#include "wal/crc32c.h"

namespace aim::wal {

std::string EncodeSegmentHeader(const SegmentHeader& h) {
  std::string out(kSegmentHeaderSize, '\0');
  char* p = out.data();
  std::memcpy(p, kSegmentMagic.data(), kSegmentMagic.size());
  EncodeFixed32(p + kSegOffVersion, h.version);
  EncodeFixed32(p + kSegOffHeaderSize, kSegmentHeaderSize);
  EncodeFixed64(p + kSegOffNumber, h.number);
  EncodeFixed64(p + kSegOffFirstLsn, h.first_lsn);
  EncodeFixed64(p + kSegOffSalt, h.salt);
  EncodeFixed64(p + kSegOffLogId, h.log_id);
  EncodeFixed32(p + kSegOffCrc, crc32c::Mask(crc32c::Value(p, kSegOffCrc)));
  return out;
}

bool DecodeSegmentHeader(std::string_view bytes, SegmentHeader* h,
                         std::string* why) {
  if (bytes.size() < kSegmentHeaderSize) {
    *why = "segment header is truncated (" + std::to_string(bytes.size()) +
           " of " + std::to_string(kSegmentHeaderSize) + " bytes)";
    return false;
  }
  const char* p = bytes.data();
  if (crc32c::Unmask(DecodeFixed32(p + kSegOffCrc)) !=
      crc32c::Value(p, kSegOffCrc)) {
    *why = "segment header checksum mismatch";
    return false;
  }
  if (std::memcmp(p, kSegmentMagic.data(), kSegmentMagic.size()) != 0) {
    *why = "not a WAL segment (bad magic)";
    return false;
  }
  uint32_t version = DecodeFixed32(p + kSegOffVersion);
  if (version < kSegmentMinVersion || version > kSegmentVersion ||
      DecodeFixed32(p + kSegOffHeaderSize) != kSegmentHeaderSize ||
      DecodeFixed32(p + kSegOffFlags) != 0) {
    *why = "segment format version " + std::to_string(version) +
           " is not one this build reads (" +
           std::to_string(kSegmentMinVersion) + " to " +
           std::to_string(kSegmentVersion) + ")";
    return false;
  }
  h->version = version;
  h->number = DecodeFixed64(p + kSegOffNumber);
  h->first_lsn = DecodeFixed64(p + kSegOffFirstLsn);
  h->salt = DecodeFixed64(p + kSegOffSalt);
  h->log_id = DecodeFixed64(p + kSegOffLogId);
  return true;
}

void EncodeRecordHeader(const RecordHeader& h, char* out) {
  EncodeFixed32(out + kRecOffCrc, h.crc);
  EncodeFixed32(out + kRecOffLength, h.length);
  EncodeFixed64(out + kRecOffLsn, h.lsn);
  EncodeFixed64(out + kRecOffSyncedThrough, h.synced_through);
  EncodeFixed32(out + kRecOffRawLength, h.raw_length);
  out[kRecOffType] = static_cast<char>(h.type);
  out[kRecOffFlags] = static_cast<char>(h.flags);
  out[kRecOffReserved] = static_cast<char>(h.reserved);
  out[kRecOffReserved + 1] = static_cast<char>(h.reserved >> 8);
}

RecordHeader DecodeRecordHeader(const char* p) {
  RecordHeader h;
  h.crc = DecodeFixed32(p + kRecOffCrc);
  h.length = DecodeFixed32(p + kRecOffLength);
  h.lsn = DecodeFixed64(p + kRecOffLsn);
  h.synced_through = DecodeFixed64(p + kRecOffSyncedThrough);
  h.raw_length = DecodeFixed32(p + kRecOffRawLength);
  h.type = static_cast<uint8_t>(p[kRecOffType]);
  h.flags = static_cast<uint8_t>(p[kRecOffFlags]);
  h.reserved = static_cast<uint16_t>(static_cast<uint8_t>(p[kRecOffReserved]) |
                                     static_cast<uint8_t>(p[kRecOffReserved + 1]) << 8);
  return h;
}

uint32_t RecordCrc(uint64_t salt, const char* header, std::string_view payload) {
  char s[8];
  EncodeFixed64(s, salt);
  uint32_t crc = crc32c::Value(s, 8);
  crc = crc32c::Extend(crc, header + 4, kRecordHeaderSize - 4);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  return crc32c::Mask(crc);
}

std::string SegmentFileName(uint64_t number) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "wal-%020llu.log",
                static_cast<unsigned long long>(number));
  return buf;
}

bool ParseSegmentFileName(std::string_view name, uint64_t* number) {
  if (name.size() != 4 + 20 + 4 || name.substr(0, 4) != "wal-" ||
      name.substr(24) != ".log")
    return false;
  uint64_t v = 0;
  for (char c : name.substr(4, 20)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *number = v;
  return true;
}

}  // namespace aim::wal

#include "wal/log_reader.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace aim::wal {
namespace {

struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

bool AllZero(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w != 0) return false;
  }
  for (; i < s.size(); ++i)
    if (s[i] != 0) return false;
  return true;
}

// Offset just past the last non-zero byte at or after `from` (`from` if
// there is none).
uint64_t NonZeroEnd(std::string_view file, uint64_t from) {
  uint64_t end = file.size();
  while (end > from && file[end - 1] == 0) --end;
  return std::max(end, from);
}

enum class At { kRecord, kEnd, kBad };

struct Record {
  RecordHeader h;
  std::string_view key;   // kFlagKeyed
  std::string_view body;  // the payload on disk after the key
  uint64_t next = 0;      // aligned offset of the next record
};

// The record flags a segment of `version` may hold.
uint8_t FlagsOf(uint32_t version) {
  return version >= 2 ? (kFlagZstd | kFlagKeyed) : kFlagZstd;
}

At ParseAt(std::string_view file, uint64_t off, uint64_t salt,
           uint8_t flags_allowed, uint64_t expected_lsn, Record* rec,
           std::string* why) {
  if (off >= file.size()) return At::kEnd;
  if (file.size() - off < kRecordHeaderSize) {
    if (AllZero(file.substr(off))) return At::kEnd;
    *why = "record header cut short by the end of the file";
    return At::kBad;
  }
  const char* p = file.data() + off;
  if (AllZero(std::string_view(p, kRecordHeaderSize))) return At::kEnd;
  RecordHeader h = DecodeRecordHeader(p);
  const uint64_t room = file.size() - off - kRecordHeaderSize;
  if (h.length > kMaxRecordPayload || h.raw_length > kMaxRecordPayload) {
    *why = "record length " + std::to_string(h.length) + " is out of range";
    return At::kBad;
  }
  if (h.length > room) {
    *why = "record of " + std::to_string(h.length) +
           " bytes runs past the end of the file";
    return At::kBad;
  }
  std::string_view payload(p + kRecordHeaderSize, h.length);
  if (RecordCrc(salt, p, payload) != h.crc) {
    *why = "record checksum mismatch";
    return At::kBad;
  }
  if (h.lsn != expected_lsn) {
    *why = "record has LSN " + std::to_string(h.lsn);
    return At::kBad;
  }
  if (h.reserved != 0 || (h.flags & ~flags_allowed) != 0) {
    *why = "record has unknown flags";
    return At::kBad;
  }
  std::string_view key;
  if (h.flags & kFlagKeyed) {
    const size_t n = payload.size() < kKeyLengthSize
                         ? SIZE_MAX
                         : (static_cast<uint8_t>(payload[0]) |
                            size_t{static_cast<uint8_t>(payload[1])} << 8);
    if (n > kMaxKeyLength || n > payload.size() - kKeyLengthSize) {
      *why = "record key length is out of range";
      return At::kBad;
    }
    key = payload.substr(kKeyLengthSize, n);
    payload.remove_prefix(kKeyLengthSize + n);
  }
  if (h.type != kTypeData && !(h.type & kTypeIgnorable)) {
    *why = "record has unknown type " + std::to_string(h.type);
    return At::kBad;
  }
  rec->h = h;
  rec->key = key;
  rec->body = payload;
  rec->next = AlignUp(off + kRecordHeaderSize + h.length);
  return At::kRecord;
}

// A valid record after `from` whose synced_through says that `lsn` had been
// made durable before it was written: proof that bad bytes at `from` are
// damage, not a torn write. Returns its offset, or 0.
uint64_t LaterSyncClaim(std::string_view file, uint64_t from, uint64_t salt,
                        uint64_t lsn) {
  for (uint64_t off = AlignUp(from + 1); off + kRecordHeaderSize <= file.size();
       off += kRecordAlign) {
    const char* p = file.data() + off;
    RecordHeader h = DecodeRecordHeader(p);
    if (h.synced_through < lsn || h.lsn <= lsn || h.reserved != 0 ||
        h.length > file.size() - off - kRecordHeaderSize)
      continue;
    if (RecordCrc(salt, p, std::string_view(p + kRecordHeaderSize, h.length)) ==
        h.crc)
      return off;
  }
  return 0;
}

class Scanner {
 public:
  Scanner(Env* env, const std::string& dir, RecoveryMode mode,
          uint64_t after_lsn, const RecordVisitor& visit)
      : env_(env), dir_(dir), mode_(mode), after_(after_lsn), visit_(visit) {}

  absl::StatusOr<LogScan> Run();

 private:
  // Damage at (file, offset): an error, or in salvage mode a cut.
  absl::Status Damage(size_t seg_index, const std::string& path,
                      uint64_t offset, uint64_t lsn, const std::string& why);
  absl::Status Torn(const SegmentState& seg, uint64_t begin, uint64_t end,
                    const std::string& why);
  // Scans one segment's records; false when the scan must stop (cut).
  absl::StatusOr<bool> ScanSegment(size_t index, bool last,
                                   std::string_view file, SegmentState& seg);
  absl::Status Deliver(const Record& rec);

  Env* env_;
  const std::string& dir_;
  RecoveryMode mode_;
  uint64_t after_;
  const RecordVisitor& visit_;
  LogScan scan_;
  std::vector<std::string> paths_;
};

absl::Status Scanner::Damage(size_t seg_index, const std::string& path,
                             uint64_t offset, uint64_t lsn,
                             const std::string& why) {
  const std::string where = path + " at offset " + std::to_string(offset) +
                            " (LSN " + std::to_string(lsn) + " expected)";
  if (mode_ != RecoveryMode::kSalvage)
    return absl::DataLossError("WAL damaged: " + where + ": " + why +
                               "; refusing to open (recovery mode `salvage` "
                               "keeps what verifies and moves the rest aside)");
  scan_.cut = true;
  scan_.cut_segment = seg_index;
  scan_.cut_offset = offset;
  scan_.cut_why = where + ": " + why;
  // Damage in a header drops the whole file; in a record, what follows it.
  for (size_t i = offset == 0 ? seg_index : seg_index + 1; i < paths_.size(); ++i)
    scan_.dropped_files.push_back(paths_[i]);
  return absl::OkStatus();
}

absl::Status Scanner::Torn(const SegmentState& seg, uint64_t begin,
                           uint64_t end, const std::string& why) {
  const std::string what = seg.path + " has a torn tail at offset " +
                           std::to_string(begin) + " (LSN " +
                           std::to_string(seg.last_lsn + 1) + "): " + why;
  if (mode_ == RecoveryMode::kStrict)
    return absl::DataLossError("WAL: " + what +
                               "; refusing to open in strict recovery mode");
  scan_.torn = true;
  scan_.tail_begin = begin;
  scan_.tail_end = end;
  scan_.torn_why = what;
  return absl::OkStatus();
}

absl::Status Scanner::Deliver(const Record& rec) {
  ++scan_.records;
  scan_.bytes += kRecordHeaderSize + rec.h.length;
  scan_.last_lsn = rec.h.lsn;
  if (rec.h.lsn <= after_ || rec.h.type != kTypeData) return absl::OkStatus();
  RecordView view;
  view.lsn = rec.h.lsn;
  view.key = rec.key;
  view.body = {rec.body, rec.h.raw_length, (rec.h.flags & kFlagZstd) != 0};
  return visit_(view);
}

absl::StatusOr<bool> Scanner::ScanSegment(size_t index, bool last,
                                          std::string_view file,
                                          SegmentState& seg) {
  const uint64_t salt = seg.header.salt;
  uint64_t off = kSegmentHeaderSize;
  while (true) {
    Record rec;
    std::string why;
    At at = ParseAt(file, off, salt, FlagsOf(seg.header.version),
                    seg.last_lsn + 1, &rec, &why);
    if (at == At::kRecord) {
      if (absl::Status s = Deliver(rec); !s.ok()) return s;
      seg.last_lsn = rec.h.lsn;
      ++seg.records;
      off = rec.next;
      seg.end = std::min<uint64_t>(off, file.size());
      continue;
    }
    seg.end = off;
    const uint64_t junk_end = NonZeroEnd(file, off);
    if (at == At::kEnd && junk_end == off) return true;  // clean end
    if (at == At::kEnd) why = "zeros where a record should be, data after them";
    uint64_t claim = 0;
    if (last && (claim = LaterSyncClaim(file, off, salt, seg.last_lsn + 1)) == 0) {
      if (absl::Status s = Torn(seg, off, AlignUp(junk_end), why); !s.ok())
        return s;
      return true;
    }
    if (claim != 0)
      why += "; a valid record at offset " + std::to_string(claim) +
             " says it had been synced";
    if (absl::Status s = Damage(index, seg.path, off, seg.last_lsn + 1, why);
        !s.ok())
      return s;
    return false;
  }
}

absl::StatusOr<LogScan> Scanner::Run() {
  if (!env_->Exists(dir_)) return scan_;
  absl::StatusOr<std::vector<std::string>> names = env_->ListDir(dir_);
  if (!names.ok()) return names.status();
  std::vector<std::pair<uint64_t, std::string>> segs;
  for (const std::string& name : *names) {
    uint64_t number;
    if (ParseSegmentFileName(name, &number))
      segs.emplace_back(number, JoinPath(dir_, name));
    else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0 &&
             name.rfind("wal-", 0) == 0)
      scan_.stray_files.push_back(JoinPath(dir_, name));
  }
  std::sort(segs.begin(), segs.end());
  for (auto& s : segs) paths_.push_back(s.second);

  std::string file;
  for (size_t i = 0; i < segs.size(); ++i) {
    const bool last = i + 1 == segs.size();
    SegmentState seg;
    seg.path = segs[i].second;
    // What follows the data (a preallocated segment's unwritten tail) is
    // zeros, and is not read: every check below finds there what it would
    // find in zeros (the end of the log).
    if (absl::Status s = env_->ReadFileData(seg.path, &file, &seg.file_size);
        !s.ok())
      return s;
    std::string why;
    if (!DecodeSegmentHeader(file, &seg.header, &why)) {
      // A last segment that is shorter than a header or all zeros never
      // held a record: its creation was cut short (or it was truncated).
      if (last && (file.size() < kSegmentHeaderSize || AllZero(file))) {
        scan_.stray_files.push_back(seg.path);  // creation cut short
        break;
      }
      if (absl::Status s = Damage(i, seg.path, 0, scan_.last_lsn + 1, why);
          !s.ok())
        return s;
      break;
    }
    if (seg.header.number != segs[i].first) why = "header names another segment";
    else if (scan_.log_id != 0 && seg.header.log_id != scan_.log_id)
      why = "segment belongs to another log";
    if (!why.empty()) {
      if (absl::Status s = Damage(i, seg.path, 0, scan_.last_lsn + 1, why);
          !s.ok())
        return s;
      break;
    }
    const uint64_t first = seg.header.first_lsn;
    const uint64_t expected =
        scan_.segments.empty() ? first : scan_.segments.back().last_lsn + 1;
    bool gap;
    if (first == 0) gap = true;
    else if (scan_.segments.empty()) gap = first > after_ + 1;
    else gap = first != expected && !(first > expected && first <= after_ + 1);
    if (gap) {
      why = scan_.segments.empty()
                ? "the log begins at LSN " + std::to_string(first) +
                      " but what precedes it only reaches LSN " +
                      std::to_string(after_) + ": records are missing"
                : "segment begins at LSN " + std::to_string(first) +
                      " but the one before ends at LSN " +
                      std::to_string(expected - 1);
      if (absl::Status s = Damage(i, seg.path, 0, expected, why); !s.ok())
        return s;
      break;
    }
    if (scan_.segments.empty()) {
      scan_.first_lsn = first;
      scan_.log_id = seg.header.log_id;
    }
    seg.last_lsn = first - 1;
    seg.end = kSegmentHeaderSize;
    absl::StatusOr<bool> go = ScanSegment(i, last, file, seg);
    if (!go.ok()) return go.status();
    scan_.segments.push_back(seg);
    if (!*go) break;
  }
  if (!scan_.segments.empty()) scan_.last_lsn = scan_.segments.back().last_lsn;
  return std::move(scan_);
}

}  // namespace

absl::Status UnpackPayload(const StoredPayload& p, std::string* out) {
  if (!p.zstd) {
    if (p.bytes.size() != p.raw_length)
      return absl::DataLossError("stored payload of " +
                                 std::to_string(p.bytes.size()) +
                                 " bytes, its header says " +
                                 std::to_string(p.raw_length));
    out->assign(p.bytes);
    return absl::OkStatus();
  }
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  if (!dctx) return absl::ResourceExhaustedError("no zstd context");
  out->resize(p.raw_length);
  const size_t n = ZSTD_decompressDCtx(dctx.get(), out->data(), out->size(),
                                       p.bytes.data(), p.bytes.size());
  if (ZSTD_isError(n) || n != p.raw_length)
    return absl::DataLossError(
        std::string("payload does not decompress: ") +
        (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size"));
  return absl::OkStatus();
}

absl::StatusOr<LogScan> ScanLog(Env* env, const std::string& dir,
                                RecoveryMode mode, uint64_t after_lsn,
                                const RecordVisitor& visit) {
  return Scanner(env, dir, mode, after_lsn, visit).Run();
}

absl::StatusOr<LogScan> ScanLog(Env* env, const std::string& dir,
                                RecoveryMode mode, uint64_t after_lsn,
                                const RecordFn& fn) {
  std::string raw;
  RecordVisitor visit = [&fn, &raw](const RecordView& r) {
    if (absl::Status s = UnpackPayload(r.body, &raw); !s.ok())
      return absl::Status(s.code(), "WAL record LSN " + std::to_string(r.lsn) +
                                        " verifies but its " +
                                        std::string(s.message()));
    return fn(r.lsn, raw);
  };
  return Scanner(env, dir, mode, after_lsn, visit).Run();
}

}  // namespace aim::wal

// Building blocks of AIM's binary codecs (facts_codec.h, the checkpoint and
// WAL payload codecs in recovery/): little-endian fixed-width integers,
// LEB128 varints, length-prefixed strings, and a bounds-checked Reader.
//
// Header-only and dependency-free apart from absl::Status. The Reader never
// reads past its input and never trusts a length or count it decodes: each
// is checked against the bytes that remain before anything is allocated.
#ifndef AIM_ENGINE_MODEL_CODING_H_
#define AIM_ENGINE_MODEL_CODING_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace aim::model::coding {

// ---- writing (every Put* appends to *out)

inline void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
inline void PutVarint64(std::string* out, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out->append(b, n);
}
inline void PutVarint32(std::string* out, uint32_t v) { PutVarint64(out, v); }
// An index that is -1 ("none") or >= 0, stored as uint32(v) + 1 (mod 2^32):
// one byte for -1 and small indices, and every int32 round-trips.
inline void PutIndex(std::string* out, int32_t v) {
  PutVarint32(out, static_cast<uint32_t>(v) + 1u);
}
inline void PutString(std::string* out, std::string_view s) {
  PutVarint64(out, s.size());
  out->append(s.data(), s.size());
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
inline void EncodeFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline void EncodeFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

// ---- reading

// Reads from a byte range with a sticky error: after the first failure every
// read returns a zero value and the Reader keeps the first error, whose
// message names what was being read and the byte offset (from the start of
// the range the Reader was given). Callers check ok() at convenient points.
// `what` arguments must outlive the Reader (string literals).
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  size_t offset() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  std::string_view rest() const { return in_.substr(pos_); }

  // Records a DataLoss error "<what> at byte <offset>: <detail>" (the first
  // error wins).
  void Fail(std::string_view what, std::string_view detail) {
    if (!ok()) return;
    status_ = absl::DataLossError(std::string(what) + " at byte " +
                                  std::to_string(pos_) + ": " +
                                  std::string(detail));
    pos_ = in_.size();
  }
  // Records any error (e.g. an unsupported version).
  void Fail(absl::Status s) {
    if (ok()) status_ = std::move(s);
    pos_ = in_.size();
  }
  // Prefixes a recorded error's message with `context` ("items[3]: ").
  void AddContext(std::string_view context) {
    if (ok()) return;
    status_ = absl::Status(status_.code(), std::string(context) +
                                               std::string(status_.message()));
  }

  uint8_t Byte(std::string_view what) {
    if (!Need(1, what)) return 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t Fixed32(std::string_view what) {
    if (!Need(4, what)) return 0;
    uint32_t v = DecodeFixed32(in_.data() + pos_);
    pos_ += 4;
    return v;
  }
  uint64_t Fixed64(std::string_view what) {
    if (!Need(8, what)) return 0;
    uint64_t v = DecodeFixed64(in_.data() + pos_);
    pos_ += 8;
    return v;
  }
  uint64_t Varint64(std::string_view what) {
    uint64_t v = 0;
    size_t start = pos_;
    for (int shift = 0; shift < 64 && ok(); shift += 7) {
      if (pos_ >= in_.size()) {
        pos_ = start;
        Fail(what, "truncated varint");
        return 0;
      }
      uint64_t b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) break;  // would overflow 64 bits
      v |= (b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    pos_ = start;
    Fail(what, "varint longer than 64 bits");
    return 0;
  }
  uint32_t Varint32(std::string_view what) {
    size_t start = pos_;
    uint64_t v = Varint64(what);
    if (v > UINT32_MAX) {
      pos_ = start;
      Fail(what, "value " + std::to_string(v) + " exceeds 32 bits");
      return 0;
    }
    return static_cast<uint32_t>(v);
  }
  int32_t Index(std::string_view what) {
    return static_cast<int32_t>(Varint32(what) - 1u);
  }
  bool String(std::string* out, std::string_view what) {
    size_t start = pos_;
    uint64_t n = Varint64(what);
    if (!ok()) return false;
    if (n > remaining()) {
      pos_ = start;
      Fail(what, "string length " + std::to_string(n) + " exceeds the " +
                     std::to_string(in_.size() - start) + " bytes left");
      return false;
    }
    out->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // An element count, checked so that `count * min_size` bytes remain: a
  // corrupt count cannot make the caller reserve more than the input could
  // hold. min_size is the fewest bytes one element can be encoded in (>= 1).
  size_t Count(size_t min_size, std::string_view what) {
    size_t start = pos_;
    uint64_t n = Varint64(what);
    if (!ok()) return 0;
    if (n > remaining() / min_size) {
      pos_ = start;
      Fail(what, "count " + std::to_string(n) + " cannot fit in the " +
                     std::to_string(remaining()) + " bytes left");
      return 0;
    }
    return static_cast<size_t>(n);
  }

 private:
  bool Need(size_t n, std::string_view what) {
    if (!ok()) return false;
    if (remaining() < n) {
      Fail(what, "truncated: need " + std::to_string(n) + " bytes, " +
                     std::to_string(remaining()) + " left");
      return false;
    }
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  absl::Status status_;
};

}  // namespace aim::model::coding

#endif  // AIM_ENGINE_MODEL_CODING_H_

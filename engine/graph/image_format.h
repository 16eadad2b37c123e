// Graph image format: constants and the bounds-checked primitives that
// image.cc writes and image_load.cc reads with. The layout is described in
// engine/graph/IMAGE_FORMAT.md.
#ifndef AIM_ENGINE_GRAPH_IMAGE_FORMAT_H_
#define AIM_ENGINE_GRAPH_IMAGE_FORMAT_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/graph/graph.h"
#include "engine/model/coding.h"

namespace aim::graph::image {

// The first byte of an image. Bump it for any change of layout.
//  1: sections one after the other (read in order).
//  2: a directory after the end tag gives each section's offset, so a
//     reader can find every section first and then load several at once
//     (and a writer can stream the image: nothing is patched afterwards).
//  3: adjacency lists are kept in order (Graph::EdgeBefore); the edges
//     section ends with the order of each canonical list not in E order
//     (older images are sorted on load).
//  4: the files section says what crates each file's crate may use
//     (FileInput::deps; older images: unknown, every crate).
//  5: the deps section lists each reference's names, reference by
//     reference, as a graph holds them (older images: each name's
//     references, name by name).
//  6: the files section holds each file's references (and their lookups)
//     as a graph holds them packed (ref_pack.cc); the deps section is
//     empty.
//  7: an entity's qualified path is its parent's path and its name
//     (Entity::parent, with the flag kOwnPath: the path whole); older
//     images hold every path whole (they load with kOwnPath).
inline constexpr uint8_t kFormat = 7;
// The oldest version this build reads.
inline constexpr uint8_t kFirstFormat = 1;

// Section tags, one byte before each section (a misaligned or foreign
// image fails at the first tag rather than deep inside a column).
enum Tag : uint8_t {
  kStrings = 'S',
  kEntities = 'E',
  kEdges = 'G',
  kFiles = 'F',
  kTables = 'T',
  kDeps = 'D',
  kPending = 'P',
  kEnd = 'Z',
};
// Sections in an image, and (format 2) the directory after the end tag: a
// u64 offset per section, of its tag.
inline constexpr size_t kSectionCount = 7;
inline constexpr size_t kDirectoryBytes = 8 * kSectionCount;

// Packed edge bits: kind (3 bits), confidence (2), flags (3).
inline uint8_t PackEdge(uint8_t kind, uint8_t confidence, uint8_t flags) {
  return static_cast<uint8_t>(kind | (confidence << 3) | (flags << 5));
}

// A reference's shape byte: its kind (3 bits), then one bit per optional
// field (fixed_source, path, src_path, self_type, scope) telling that it is
// present, i.e. not kAbsent.
inline constexpr size_t kRefOptional = 5;
inline constexpr uint32_t kAbsent[kRefOptional] = {UINT32_MAX, 0, 0, 0, 0};
template <typename Kind, typename Fields>
uint8_t RefShape(Kind kind, const Fields& optional) {
  uint8_t shape = static_cast<uint8_t>(kind);
  for (size_t k = 0; k < kRefOptional; ++k)
    if (optional[k] != kAbsent[k]) shape |= static_cast<uint8_t>(8u << k);
  return shape;
}

// ---- writing: fixed-width little-endian values and LEB128 varints.

// Where a streamed image goes: pieces, in order (graph.h's ImageSink).
using Sink = ImageSink;

// Writes through a cursor either into a string (appending; it grows in
// large steps and holds zeros past the cursor until Finish trims them), or
// to a sink in pieces of about kPiece bytes (a buffer of that size is
// reused: a whole image never sits in memory).
class Writer {
 public:
  static constexpr size_t kPiece = size_t{1} << 20;
  // `expected`: about how many bytes will be written (room is made for
  // them at once; more is fine).
  Writer(std::string* out, size_t expected)
      : buf_(out), start_(out->size()), pos_(out->size()) {
    buf_->resize(pos_ + expected);
  }
  explicit Writer(Sink* sink) : buf_(&own_), sink_(sink) { own_.resize(kPiece); }
  ~Writer() { Finish(); }
  // Trims the string, or hands the sink what is left. Call once done.
  void Finish() {
    if (sink_ == nullptr) {
      buf_->resize(pos_);
    } else if (pos_ > 0) {
      sink_->Write(std::string_view(own_.data(), pos_));
      flushed_ += pos_;
      pos_ = 0;
    }
  }

  void U8(uint8_t v) { *Room(1) = static_cast<char>(v); }
  void U32(uint32_t v) { model::coding::EncodeFixed32(Room(4), v); }
  void U64(uint64_t v) { model::coding::EncodeFixed64(Room(8), v); }
  void Varint(uint64_t v) {
    char* p = Room(10);
    size_t n = 0;
    while (v >= 0x80) {
      p[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    p[n++] = static_cast<char>(v);
    pos_ -= 10 - n;
  }
  void Bytes(std::string_view s) {
    if (!s.empty()) std::memcpy(Room(s.size()), s.data(), s.size());
  }
  // Bytes written so far.
  size_t size() const { return flushed_ + pos_ - start_; }

 private:
  // Advances the cursor by n bytes; returns where they go.
  char* Room(size_t n) {
    if (pos_ + n > buf_->size()) {
      if (sink_ != nullptr) {
        Finish();
        if (n > own_.size()) own_.resize(n);
      } else {
        buf_->resize(std::max(buf_->size() * 2, pos_ + n));
      }
    }
    char* p = buf_->data() + pos_;
    pos_ += n;
    return p;
  }

  std::string own_;  // the piece being filled, with a sink
  std::string* buf_;
  Sink* sink_ = nullptr;
  size_t start_ = 0, pos_ = 0;
  size_t flushed_ = 0;  // handed to the sink
};

// A column of `n` fixed-width little-endian values inside the input,
// already bounds-checked by Reader::Column.
template <typename T>
class Column {
 public:
  Column() = default;
  Column(const char* p, size_t n, size_t offset)
      : p_(p), n_(n), offset_(offset) {}
  size_t size() const { return n_; }
  T operator[](size_t i) const {
    T v;
    std::memcpy(&v, p_ + i * sizeof(T), sizeof(T));
    if constexpr (std::endian::native == std::endian::big) v = Swap(v);
    return v;
  }
  // Byte offset of element i in the image (for error messages).
  size_t offset(size_t i) const { return offset_ + i * sizeof(T); }

 private:
  static T Swap(T v) {
    T r = 0;
    for (size_t b = 0; b < sizeof(T); ++b)
      r = static_cast<T>((r << 8) | ((v >> (8 * b)) & 0xff));
    return r;
  }
  const char* p_ = nullptr;
  size_t n_ = 0;
  size_t offset_ = 0;
};

// Reads an image with a sticky error: after the first failure every read
// returns zero values, and the first error is kept. Errors are DataLoss
// "graph image: <what> at byte <offset>: <detail>".
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  // Reads in[begin, end): offsets (and error messages) stay those of `in`.
  Reader(std::string_view in, size_t begin, size_t end)
      : in_(in.substr(0, end)), pos_(begin) {}

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  size_t offset() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

  void FailAt(size_t offset, std::string_view what, std::string_view detail) {
    if (!ok()) return;
    status_ = absl::DataLossError("graph image: " + std::string(what) +
                                  " at byte " + std::to_string(offset) + ": " +
                                  std::string(detail));
    pos_ = in_.size();
  }
  void Fail(std::string_view what, std::string_view detail) {
    FailAt(pos_, what, detail);
  }
  void Fail(absl::Status s) {
    if (ok()) status_ = std::move(s);
    pos_ = in_.size();
  }

  uint8_t U8(std::string_view what) {
    if (!Need(1, what)) return 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint32_t U32(std::string_view what) {
    if (!Need(4, what)) return 0;
    uint32_t v = model::coding::DecodeFixed32(in_.data() + pos_);
    pos_ += 4;
    return v;
  }
  uint64_t U64(std::string_view what) {
    if (!Need(8, what)) return 0;
    uint64_t v = model::coding::DecodeFixed64(in_.data() + pos_);
    pos_ += 8;
    return v;
  }
  void Expect(Tag tag, std::string_view what) {
    size_t at = pos_;
    uint8_t t = U8(what);
    if (ok() && t != tag)
      FailAt(at, what,
             "expected section tag " + std::to_string(tag) + ", found " +
                 std::to_string(t));
  }
  uint64_t Varint(std::string_view what) {
    // Most values are counts and deltas below 128: one byte.
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) < 0x80)
      return static_cast<uint8_t>(in_[pos_++]);
    uint64_t v = 0;
    const size_t start = pos_;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) {
        FailAt(start, what, "truncated varint");
        return 0;
      }
      uint64_t b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) break;
      v |= (b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    FailAt(start, what, "varint longer than 64 bits");
    return 0;
  }
  uint32_t Varint32(std::string_view what) {
    const size_t start = pos_;
    uint64_t v = Varint(what);
    if (v > UINT32_MAX) {
      FailAt(start, what, "value " + std::to_string(v) + " exceeds 32 bits");
      return 0;
    }
    return static_cast<uint32_t>(v);
  }
  // A count of elements that take at least `min_bytes` each (>= 1) in what
  // follows: larger than the remaining input can hold is an error, so that
  // no damaged count makes the caller allocate beyond the input's size.
  size_t Count(size_t min_bytes, std::string_view what) {
    const size_t start = pos_;
    uint64_t n = Varint(what);
    if (!ok()) return 0;
    if (n > remaining() / min_bytes) {
      FailAt(start, what,
             "count " + std::to_string(n) + " cannot fit in the " +
                 std::to_string(remaining()) + " bytes left");
      return 0;
    }
    return static_cast<size_t>(n);
  }
  template <typename T>
  Column<T> Fixed(size_t n, std::string_view what) {
    if (n > remaining() / sizeof(T)) {
      Fail(what, "column of " + std::to_string(n) + " x " +
                     std::to_string(sizeof(T)) + " bytes exceeds the " +
                     std::to_string(remaining()) + " bytes left");
      return {};
    }
    Column<T> c(in_.data() + pos_, n, pos_);
    pos_ += n * sizeof(T);
    return c;
  }
  std::string_view Bytes(size_t n, std::string_view what) {
    if (!Need(n, what)) return {};
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
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

}  // namespace aim::graph::image

#endif  // AIM_ENGINE_GRAPH_IMAGE_FORMAT_H_

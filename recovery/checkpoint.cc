#include "recovery/checkpoint.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <zstd.h>

#include "engine/model/coding.h"
#include "recovery/file_input_codec.h"
#include "recovery/parallel.h"
#include "wal/crc32c.h"
#include "wal/env.h"

namespace aim::recovery {
namespace {

using model::coding::DecodeFixed32;
using model::coding::DecodeFixed64;
using model::coding::EncodeFixed32;
using model::coding::EncodeFixed64;
using model::coding::PutString;
using model::coding::PutVarint64;
using model::coding::Reader;
namespace crc32c = wal::crc32c;

// Header field offsets (FORMAT.md).
constexpr size_t kOffVersion = 8, kOffHeaderSize = 12, kOffFlags = 16,
                 kOffLsn = 24, kOffFileCount = 32, kOffRawSize = 40,
                 kOffPackedSize = 48, kOffPayloadCrc = 56, kOffHeaderCrc = 60;
// Every version's header starts with magic, version and header size, and
// ends with the masked CRC32C of the bytes before it.
constexpr size_t kFixedPrefix = 16;
constexpr size_t kMaxHeaderSize = 4096;
// Flags: the low 16 bits must be understood by a reader, the high 16 bits
// are safe to ignore.
constexpr uint32_t kRequiredFlagsMask = 0xffff;
constexpr uint32_t kFlagZstdChecksum = 1u << 16;  // the frame has its own
// Required: the payload holds a graph image instead of files (a reader
// that predates images must refuse it, not misread it).
constexpr uint32_t kFlagGraphImage = 1u;
// Required: the payload is a run of zstd frames of kFrameBytes each (the
// last one holds the rest), compressed and decompressed on two threads.
constexpr uint32_t kFlagFrames = 2u;
constexpr uint32_t kKnownRequiredFlags = kFlagGraphImage | kFlagFrames;
constexpr int kZstdLevel = 3;
constexpr int kCompressThreads = 2;
constexpr uint64_t kParallelCompressBytes = uint64_t{4} << 20;
constexpr uint64_t kFrameBytes = uint64_t{4} << 20;
// A payload of frames declares at most this many times its compressed size
// (the writer uses one frame for anything that compresses better), so that
// the buffer decoding allocates up front stays proportional to the file.
constexpr uint64_t kMaxFramesRatio = 64;
constexpr int kDecompressThreads = 2;
// zstd's default decoder limit (128 MiB window); a frame asking for more is
// refused by zstd before it allocates.
constexpr int kZstdWindowLogMax = 27;
// The first output buffer: 8x the compressed size (facts compress ~5-8x), at
// least this much, at most the declared size; doubled while output arrives.
constexpr size_t kMinFirstChunk = 64 << 10;
// Fewest bytes of one encoded FileInput (format, 3 empty strings, FileFacts
// with an empty name, a hash and zero of everything).
constexpr size_t kMinFileInput = 4 + 1 + 1 + 8 + 1 + 7;

std::string Hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof(b), "0x%08x", v);
  return b;
}

absl::Status Corrupt(std::string_view name, std::string msg) {
  return absl::DataLossError("checkpoint " + std::string(name) + ": " + msg);
}

struct Header {
  uint32_t version = 0, header_size = 0, flags = 0;
  uint64_t lsn = 0, file_count = 0, raw_size = 0, packed_size = 0;
  uint32_t payload_crc = 0;
};

// Verifies the header at the front of `head` (which holds the file's first
// min(file_size, kMaxHeaderSize) bytes) against the whole file's size.
absl::StatusOr<Header> ParseHeader(std::string_view head, uint64_t file_size,
                                   std::string_view name) {
  if (file_size < kFixedPrefix)
    return Corrupt(name, "truncated: the file is " + std::to_string(file_size) +
                             " bytes, shorter than the " +
                             std::to_string(kCheckpointHeaderSize) +
                             "-byte header");
  if (head.substr(0, kCheckpointMagic.size()) != kCheckpointMagic)
    return Corrupt(name, "bad magic at offset 0 (not an AIM checkpoint)");
  Header h;
  h.version = DecodeFixed32(head.data() + kOffVersion);
  h.header_size = DecodeFixed32(head.data() + kOffHeaderSize);
  if (h.header_size < kCheckpointHeaderSize || h.header_size > kMaxHeaderSize)
    return Corrupt(name, "header size " + std::to_string(h.header_size) +
                             " at offset " + std::to_string(kOffHeaderSize) +
                             " is invalid");
  if (file_size < h.header_size)
    return Corrupt(name, "truncated: the file is " + std::to_string(file_size) +
                             " bytes, shorter than its " +
                             std::to_string(h.header_size) + "-byte header");
  const size_t crc_at = h.header_size - 4;
  uint32_t stored = crc32c::Unmask(DecodeFixed32(head.data() + crc_at));
  uint32_t actual = crc32c::Value(head.data(), crc_at);
  if (stored != actual)
    return Corrupt(name, "header checksum mismatch at offset " +
                             std::to_string(crc_at) + " (stored " +
                             Hex(stored) + ", computed " + Hex(actual) + ")");
  if (h.version > kCheckpointVersion)
    return absl::FailedPreconditionError(
        "checkpoint " + std::string(name) + ": format version " +
        std::to_string(h.version) + " is newer than this build reads (" +
        std::to_string(kCheckpointVersion) + "); open it with a newer aim");
  if (h.version == 0 || h.header_size != kCheckpointHeaderSize)
    return Corrupt(name, "format version " + std::to_string(h.version) +
                             " with a " + std::to_string(h.header_size) +
                             "-byte header is invalid");
  h.flags = DecodeFixed32(head.data() + kOffFlags);
  if ((h.flags & kRequiredFlagsMask & ~kKnownRequiredFlags) != 0)
    return absl::FailedPreconditionError(
        "checkpoint " + std::string(name) + ": unknown required flags " +
        Hex(h.flags & kRequiredFlagsMask) + " at offset " +
        std::to_string(kOffFlags) + " (written by a newer aim)");
  h.lsn = DecodeFixed64(head.data() + kOffLsn);
  h.file_count = DecodeFixed64(head.data() + kOffFileCount);
  h.raw_size = DecodeFixed64(head.data() + kOffRawSize);
  h.packed_size = DecodeFixed64(head.data() + kOffPackedSize);
  h.payload_crc = crc32c::Unmask(DecodeFixed32(head.data() + kOffPayloadCrc));
  if (h.raw_size > kMaxCheckpointPayload)
    return Corrupt(name, "uncompressed size " + std::to_string(h.raw_size) +
                             " at offset " + std::to_string(kOffRawSize) +
                             " exceeds the limit of " +
                             std::to_string(kMaxCheckpointPayload));
  if (h.packed_size > ZSTD_COMPRESSBOUND(kMaxCheckpointPayload))
    return Corrupt(name, "compressed size " + std::to_string(h.packed_size) +
                             " at offset " + std::to_string(kOffPackedSize) +
                             " exceeds the limit");
  if (h.packed_size != file_size - h.header_size)
    return Corrupt(name, "compressed size " + std::to_string(h.packed_size) +
                             " at offset " + std::to_string(kOffPackedSize) +
                             " does not match the " +
                             std::to_string(file_size - h.header_size) +
                             " bytes after the header (truncated or extended)");
  if (h.file_count > h.raw_size / kMinFileInput)
    return Corrupt(name, "file count " + std::to_string(h.file_count) +
                             " at offset " + std::to_string(kOffFileCount) +
                             " cannot fit in " + std::to_string(h.raw_size) +
                             " uncompressed bytes");
  return h;
}

struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// A decompressed payload: a string (one frame, grown as it decodes), or
// a buffer of the declared size (frames: every byte is written by one).
struct RawPayload {
  std::string text;
  std::unique_ptr<char[]> buffer;
  size_t size = 0;
  std::string_view view() const {
    return buffer ? std::string_view(buffer.get(), size) : std::string_view(text);
  }
};

// A payload of frames (kFlagFrames): each frame's place is found and its
// declared size checked before anything is allocated, then the frames are
// decoded at once into one buffer.
absl::StatusOr<RawPayload> DecompressFrames(const Header& h,
                                            std::string_view packed,
                                            std::string_view name,
                                            const std::string& where) {
  if (h.raw_size / kMaxFramesRatio > packed.size())
    return Corrupt(name, "uncompressed size " + std::to_string(h.raw_size) +
                             " is more than " + std::to_string(kMaxFramesRatio) +
                             " times the compressed size" + where);
  struct Frame {
    size_t at, size;  // in `packed`
    uint64_t out;     // where its content goes
  };
  const uint64_t n_frames = (h.raw_size + kFrameBytes - 1) / kFrameBytes;
  std::vector<Frame> frames;
  frames.reserve(static_cast<size_t>(n_frames));
  uint64_t out = 0;
  for (size_t at = 0; at < packed.size();) {
    const std::string frame_at = "zstd frame " + std::to_string(frames.size()) +
                                 " at payload byte " + std::to_string(at);
    if (frames.size() == n_frames)
      return Corrupt(name, frame_at + " is more than the " +
                               std::to_string(n_frames) +
                               " frames the size declares" + where);
    const size_t size = ZSTD_findFrameCompressedSize(packed.data() + at,
                                                     packed.size() - at);
    if (ZSTD_isError(size))
      return Corrupt(name, frame_at + " is truncated or damaged (" +
                               ZSTD_getErrorName(size) + ")" + where);
    const unsigned long long content =
        ZSTD_getFrameContentSize(packed.data() + at, size);
    const uint64_t expect = std::min(kFrameBytes, h.raw_size - out);
    if (content != expect)
      return Corrupt(name, frame_at + " declares " +
                               (content == ZSTD_CONTENTSIZE_UNKNOWN ||
                                        content == ZSTD_CONTENTSIZE_ERROR
                                    ? std::string("no size")
                                    : std::to_string(content) + " bytes") +
                               ", expected " + std::to_string(expect) + where);
    frames.push_back({at, size, out});
    out += content;
    at += size;
  }
  if (out != h.raw_size)
    return Corrupt(name, "zstd frames hold " + std::to_string(out) +
                             " bytes but the header says " +
                             std::to_string(h.raw_size) + where);
  RawPayload raw;
  raw.size = static_cast<size_t>(h.raw_size);
  raw.buffer.reset(new char[raw.size]);  // not zeroed: the frames fill it
  std::vector<std::string> errors(frames.size());
  ParallelFor(frames.size(), kDecompressThreads, [&](size_t i) {
    thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
    const Frame& f = frames[i];
    const size_t want = static_cast<size_t>(std::min(kFrameBytes, h.raw_size - f.out));
    if (dctx == nullptr) {
      errors[i] = "ZSTD_createDCtx failed";
      return;
    }
    const size_t got =
        ZSTD_decompressDCtx(dctx.get(), raw.buffer.get() + f.out, want,
                            packed.data() + f.at, f.size);
    if (ZSTD_isError(got))
      errors[i] = std::string("zstd: ") + ZSTD_getErrorName(got);
    else if (got != want)
      errors[i] = "decompressed to " + std::to_string(got) + " bytes, expected " +
                  std::to_string(want);
  });
  for (size_t i = 0; i < frames.size(); ++i)
    if (!errors[i].empty())
      return Corrupt(name, "zstd frame " + std::to_string(i) + " at payload byte " +
                               std::to_string(frames[i].at) + ": " + errors[i] +
                               where);
  return raw;
}

absl::StatusOr<RawPayload> Decompress(const Header& h, std::string_view packed,
                                      std::string_view name) {
  const std::string where = " (payload at offset " +
                            std::to_string(h.header_size) + ", " +
                            std::to_string(packed.size()) + " bytes)";
  uint32_t actual = crc32c::Value(packed);
  if (actual != h.payload_crc)
    return Corrupt(name, "payload checksum mismatch" + where + ": stored " +
                             Hex(h.payload_crc) + ", computed " + Hex(actual));
  if (h.flags & kFlagFrames) return DecompressFrames(h, packed, name, where);
  unsigned long long content = ZSTD_getFrameContentSize(packed.data(), packed.size());
  if (content == ZSTD_CONTENTSIZE_ERROR)
    return Corrupt(name, "payload is not a zstd frame" + where);
  if (content == ZSTD_CONTENTSIZE_UNKNOWN)
    return Corrupt(name, "zstd frame does not record its size" + where);
  if (content != h.raw_size)
    return Corrupt(name, "zstd frame holds " + std::to_string(content) +
                             " bytes but the header says " +
                             std::to_string(h.raw_size) + where);
  size_t frame = ZSTD_findFrameCompressedSize(packed.data(), packed.size());
  if (ZSTD_isError(frame) || frame != packed.size())
    return Corrupt(name, "zstd frame is truncated or followed by other bytes" +
                             where);
  // The header's size is checked, but a frame can declare any content size
  // and still be short. Decode in steps, growing the buffer as output
  // actually arrives, so memory follows what the frame really holds.
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  if (dctx == nullptr) return absl::ResourceExhaustedError("ZSTD_createDCtx failed");
  size_t rc = ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax,
                                     kZstdWindowLogMax);
  if (ZSTD_isError(rc))
    return absl::InternalError(std::string("zstd: ") + ZSTD_getErrorName(rc));
  const size_t want = static_cast<size_t>(h.raw_size);
  std::string raw(std::min(want, std::max(kMinFirstChunk, packed.size() * 8)),
                  '\0');
  ZSTD_inBuffer in{packed.data(), packed.size(), 0};
  size_t produced = 0;
  while (true) {
    ZSTD_outBuffer out{raw.data(), raw.size(), produced};
    const size_t in_before = in.pos;
    rc = ZSTD_decompressStream(dctx.get(), &out, &in);
    if (ZSTD_isError(rc))
      return Corrupt(name, std::string("zstd: ") + ZSTD_getErrorName(rc) +
                               " after " + std::to_string(out.pos) +
                               " output bytes" + where);
    const bool progress = out.pos != produced || in.pos != in_before;
    produced = out.pos;
    if (rc == 0) break;  // the frame is complete (and its checksum checked)
    if (produced == raw.size() && raw.size() < want) {
      raw.resize(std::min(want, raw.size() * 2));
    } else if (!progress) {
      return Corrupt(name, produced == want
                               ? "zstd frame holds more than the " +
                                     std::to_string(want) + " bytes declared" +
                                     where
                               : "zstd frame is truncated after " +
                                     std::to_string(produced) +
                                     " output bytes" + where);
    }
  }
  if (produced != want)
    return Corrupt(name, "zstd frame decompressed to " +
                             std::to_string(produced) + " bytes, expected " +
                             std::to_string(want) + where);
  RawPayload payload;
  payload.text = std::move(raw);
  return payload;
}

// What every payload starts with: root, LSN (equal to the header's),
// creation time.
void ReadPayloadStart(const Header& h, Reader& r, CheckpointData& data) {
  r.String(&data.root, "root");
  uint64_t lsn = r.Varint64("lsn");
  if (r.ok() && lsn != h.lsn)
    r.Fail("lsn", std::to_string(lsn) + " differs from the header's " +
                      std::to_string(h.lsn));
  data.lsn = lsn;
  data.created_unix_micros = static_cast<int64_t>(r.Varint64("created"));
}

absl::Status PayloadError(const Reader& r, std::string_view name) {
  return absl::Status(r.status().code(), "checkpoint " + std::string(name) +
                                             ": uncompressed payload: " +
                                             std::string(r.status().message()));
}

absl::StatusOr<CheckpointData> ParsePayload(const Header& h,
                                            std::string_view raw,
                                            std::string_view name) {
  CheckpointData data;
  Reader r(raw);
  ReadPayloadStart(h, r, data);
  size_t count = r.Count(kMinFileInput, "file count");
  if (r.ok() && count != h.file_count)
    r.Fail("file count", std::to_string(count) + " differs from the header's " +
                             std::to_string(h.file_count));
  data.files.reserve(count);
  for (size_t i = 0; i < count && r.ok(); ++i) {
    ReadFileInput(r, &data.files.emplace_back());
    if (!r.ok()) r.AddContext("file " + std::to_string(i) + ": ");
  }
  if (r.ok() && r.remaining() != 0)
    r.Fail("end", std::to_string(r.remaining()) +
                      " unexpected bytes after the last file");
  if (!r.ok()) return PayloadError(r, name);
  return data;
}

// root, lsn, created, then the graph image to the end.
absl::StatusOr<CheckpointData> ParseImagePayload(const Header& h,
                                                 RawPayload raw,
                                                 std::string_view name) {
  CheckpointData data;
  Reader r(raw.view());
  ReadPayloadStart(h, r, data);
  if (r.ok() && r.remaining() == 0) r.Fail("image", "missing");
  if (!r.ok()) return PayloadError(r, name);
  data.image_begin = r.offset();
  if (raw.buffer) {
    data.image_buffer = std::move(raw.buffer);
    data.image_buffer_size = raw.size;
  } else {
    data.image_storage = std::move(raw.text);
  }
  return data;
}

absl::StatusOr<CheckpointData> Decode(std::string_view bytes,
                                      std::string_view name) {
  absl::StatusOr<Header> h = ParseHeader(
      bytes.substr(0, kMaxHeaderSize), bytes.size(), name);
  if (!h.ok()) return h.status();
  absl::StatusOr<RawPayload> raw =
      Decompress(*h, bytes.substr(h->header_size), name);
  if (!raw.ok()) return raw.status();
  if (h->flags & kFlagGraphImage) return ParseImagePayload(*h, std::move(*raw), name);
  return ParsePayload(*h, raw->view(), name);
}

absl::Status ZstdError(size_t rc) {
  return absl::InternalError(std::string("zstd compression failed: ") +
                             ZSTD_getErrorName(rc));
}

// Compresses bytes [begin, end) of the pieces (taken one after the other)
// into `o` as one zstd frame that records its size and checksum, on
// `workers` threads (a zstd built without threads uses this one).
absl::Status CompressFrame(ZSTD_CCtx* cctx, std::span<const std::string_view> pieces,
                           uint64_t begin, uint64_t end, int workers,
                           ZSTD_outBuffer& o) {
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  for (auto [param, value] : {std::pair{ZSTD_c_compressionLevel, kZstdLevel},
                               std::pair{ZSTD_c_checksumFlag, 1}}) {
    size_t rc = ZSTD_CCtx_setParameter(cctx, param, value);
    if (ZSTD_isError(rc)) return ZstdError(rc);
  }
  if (workers > 1) (void)ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers);
  if (size_t rc = ZSTD_CCtx_setPledgedSrcSize(cctx, end - begin); ZSTD_isError(rc))
    return ZstdError(rc);
  uint64_t at = 0;  // where the piece starts
  for (std::string_view p : pieces) {
    const uint64_t from = std::max(begin, at), to = std::min(end, at + p.size());
    at += p.size();
    if (from >= to) continue;
    ZSTD_inBuffer in{p.data() + (from - (at - p.size())), to - from, 0};
    while (in.pos < in.size) {
      size_t rc = ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_continue);
      if (ZSTD_isError(rc)) return ZstdError(rc);
    }
  }
  ZSTD_inBuffer none{nullptr, 0, 0};
  for (size_t left = 1; left != 0;) {
    left = ZSTD_compressStream2(cctx, &o, &none, ZSTD_e_end);
    if (ZSTD_isError(left)) return ZstdError(left);
  }
  return absl::OkStatus();
}

// Fills the header at `h`, followed by `packed` payload bytes.
void WriteHeader(char* h, uint32_t flags, uint64_t lsn, uint64_t file_count,
                 uint64_t raw, uint64_t packed) {
  std::memset(h, 0, kCheckpointHeaderSize);
  std::memcpy(h, kCheckpointMagic.data(), kCheckpointMagic.size());
  EncodeFixed32(h + kOffVersion, kCheckpointVersion);
  EncodeFixed32(h + kOffHeaderSize, kCheckpointHeaderSize);
  EncodeFixed32(h + kOffFlags, flags);
  EncodeFixed64(h + kOffLsn, lsn);
  EncodeFixed64(h + kOffFileCount, file_count);
  EncodeFixed64(h + kOffRawSize, raw);
  EncodeFixed64(h + kOffPackedSize, packed);
  EncodeFixed32(h + kOffPayloadCrc,
                crc32c::Mask(crc32c::Value(h + kCheckpointHeaderSize, packed)));
  EncodeFixed32(h + kOffHeaderCrc, crc32c::Mask(crc32c::Value(h, kOffHeaderCrc)));
}

// Takes a payload as it is written and compresses each kFrameBytes of it as
// a frame on a thread of its own while the next fills (at most two at
// once), so that the payload is never held whole.
class FrameSink : public graph::ImageSink {
 public:
  FrameSink() { frame_.reserve(kFrameBytes); }
  ~FrameSink() override { Join(0); }

  void Write(std::string_view bytes) override {
    raw_ += bytes.size();
    if (raw_ > kMaxCheckpointPayload) return;  // refused by Finish
    while (!bytes.empty()) {
      const size_t n = std::min<size_t>(bytes.size(), kFrameBytes - frame_.size());
      frame_.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
      if (frame_.size() == kFrameBytes) Submit();
    }
  }

  // Compresses what is left; then the frames hold the payload.
  absl::Status Finish() {
    if (raw_ > kMaxCheckpointPayload)
      return absl::ResourceExhaustedError(
          "checkpoint payload of " + std::to_string(raw_) +
          " bytes exceeds the limit of " + std::to_string(kMaxCheckpointPayload));
    if (!frame_.empty() || frames_.empty()) Submit(/*here=*/true);
    Join(0);
    for (const absl::Status& s : status_)
      if (!s.ok()) return s;
    return absl::OkStatus();
  }
  uint64_t raw() const { return raw_; }
  std::deque<std::string>& frames() { return frames_; }

 private:
  struct Running {
    std::unique_ptr<std::string> input;
    std::thread thread;
  };
  struct Slot {
    std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx;
    std::string out;
  };
  // Compresses the filled frame on a thread of its own, or (the last one)
  // on this thread.
  void Submit(bool here = false) {
    Join(1);  // at most two frames compress at once
    // Elements of a deque stay where they are as it grows: each thread
    // writes through its own pointers.
    std::string* out = &frames_.emplace_back();
    absl::Status* status = &status_.emplace_back();
    auto input = std::make_unique<std::string>(std::move(frame_));
    frame_ = std::move(spare_);  // a joined frame's buffer, if any
    frame_.clear();
    frame_.reserve(kFrameBytes);
    // Frames i and i + 1 may compress at once, never i and i + 2: two
    // slots, reused (a context's tables are megabytes to set up). Each
    // slot also has its output buffer, so that a frame's string is
    // allocated at its compressed size, not at the bound.
    Slot* slot = &slots_[(frames_.size() - 1) % 2];
    if (slot->cctx == nullptr) slot->cctx.reset(ZSTD_createCCtx());
    if (here) {
      Compress(*slot, *input, out, status);
      spare_ = std::move(*input);
      return;
    }
    const std::string* in = input.get();
    running_.push_back({std::move(input), std::thread([slot, in, out, status] {
                          Compress(*slot, *in, out, status);
                        })});
  }
  static void Compress(Slot& slot, const std::string& in, std::string* out,
                       absl::Status* status) {
    if (slot.cctx == nullptr) {
      *status = absl::ResourceExhaustedError("ZSTD_createCCtx failed");
      return;
    }
    const size_t bound = ZSTD_compressBound(in.size());
    if (slot.out.size() < bound) slot.out.resize(bound);
    ZSTD_outBuffer o{slot.out.data(), slot.out.size(), 0};
    const std::string_view piece[] = {in};
    *status = CompressFrame(slot.cctx.get(), piece, 0, in.size(), 1, o);
    out->assign(slot.out.data(), o.pos);
  }
  // Waits until at most `left` frames are compressing.
  void Join(size_t left) {
    while (running_.size() > left) {
      running_.front().thread.join();
      spare_ = std::move(*running_.front().input);
      running_.pop_front();
    }
  }

  std::string frame_;  // filling
  std::string spare_;  // a compressed frame's input, to fill again
  uint64_t raw_ = 0;
  std::deque<std::string> frames_;  // compressed, by frame
  std::deque<absl::Status> status_;
  std::deque<Running> running_;
  Slot slots_[2];
};

// The file from a finished sink: its frames under the header, the frames
// flag set when there are several. False (nothing written) when the
// payload compresses too well for frames (see kMaxFramesRatio).
bool SealFrames(FrameSink& sink, uint32_t flags, uint64_t lsn,
                uint64_t file_count, std::string* out) {
  uint64_t packed = 0;
  for (const std::string& f : sink.frames()) packed += f.size();
  const uint64_t raw = sink.raw();
  if (raw > kFrameBytes) {
    if (raw / kMaxFramesRatio > packed) return false;
    flags |= kFlagFrames;
  }
  out->assign(kCheckpointHeaderSize, '\0');
  out->reserve(kCheckpointHeaderSize + packed);
  for (std::string& f : sink.frames()) {
    out->append(f);
    f = std::string();
  }
  WriteHeader(out->data(), flags, lsn, file_count, raw, packed);
  return true;
}

// The file with the whole payload (`raw` bytes of pieces) as one frame,
// compressed straight into the file's buffer; a large one on two threads
// (a checkpoint is written on a path someone waits for).
absl::Status SealOneFrame(std::span<const std::string_view> pieces, uint64_t raw,
                          uint32_t flags, uint64_t lsn, uint64_t file_count,
                          std::string* out) {
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  if (cctx == nullptr) return absl::ResourceExhaustedError("ZSTD_createCCtx failed");
  const size_t bound = kCheckpointHeaderSize + ZSTD_compressBound(raw);
  std::unique_ptr<char[]> buf(new char[bound]);
  ZSTD_outBuffer o{buf.get() + kCheckpointHeaderSize, bound - kCheckpointHeaderSize, 0};
  if (absl::Status s = CompressFrame(
          cctx.get(), pieces, 0, raw,
          raw >= kParallelCompressBytes ? kCompressThreads : 1, o);
      !s.ok())
    return s;
  const size_t packed = o.pos;
  out->assign(buf.get(), kCheckpointHeaderSize + packed);
  buf.reset();
  WriteHeader(out->data(), flags, lsn, file_count, raw, packed);
  return absl::OkStatus();
}

}  // namespace

namespace internal {

absl::Status IoError(int err, std::string_view op, const std::string& file,
                     std::string_view consequence) {
  return wal::IoError(err, op, file, consequence);
}

absl::Status SealPayload(std::string_view payload, uint64_t lsn,
                         uint64_t file_count, std::string* out,
                         uint32_t extra_flags) {
  const std::string_view pieces[] = {payload};
  return SealPayload(pieces, lsn, file_count, out, extra_flags);
}

absl::Status SealPayload(std::span<const std::string_view> pieces,
                         uint64_t lsn, uint64_t file_count, std::string* out,
                         uint32_t extra_flags) {
  uint64_t raw = 0;
  for (std::string_view p : pieces) raw += p.size();
  if (raw > kMaxCheckpointPayload)
    return absl::ResourceExhaustedError(
        "checkpoint payload of " + std::to_string(raw) +
        " bytes exceeds the limit of " + std::to_string(kMaxCheckpointPayload));
  const uint32_t flags = kFlagZstdChecksum | extra_flags;
  if (raw > kFrameBytes) {
    FrameSink sink;
    for (std::string_view p : pieces) sink.Write(p);
    if (absl::Status s = sink.Finish(); !s.ok()) return s;
    if (SealFrames(sink, flags, lsn, file_count, out)) return absl::OkStatus();
  }
  return SealOneFrame(pieces, raw, flags, lsn, file_count, out);
}

}  // namespace internal

absl::Status EncodeCheckpoint(const CheckpointData& data, std::string* out) {
  std::string payload;
  PutString(&payload, data.root);
  PutVarint64(&payload, data.lsn);
  PutVarint64(&payload, static_cast<uint64_t>(data.created_unix_micros));
  if (data.graph != nullptr) {
    if (!data.files.empty() || data.has_image())
      return absl::InvalidArgumentError(
          "a checkpoint holds files, an image or a graph, one of them");
    // The image is compressed as it is written, frame by frame.
    FrameSink sink;
    sink.Write(payload);
    data.graph->SaveImage(sink);
    if (absl::Status s = sink.Finish(); !s.ok()) return s;
    const uint32_t flags = kFlagZstdChecksum | kFlagGraphImage;
    if (SealFrames(sink, flags, data.lsn, 0, out)) return absl::OkStatus();
    std::string image;  // (rare: too compressible for frames)
    data.graph->SaveImage(&image);
    const std::string_view pieces[] = {payload, image};
    return SealOneFrame(pieces, sink.raw(), flags, data.lsn, 0, out);
  }
  if (data.has_image()) {
    if (!data.files.empty())
      return absl::InvalidArgumentError("a checkpoint holds files or an image, not both");
    const std::string_view pieces[] = {payload, data.image()};
    return internal::SealPayload(pieces, data.lsn, 0, out, kFlagGraphImage);
  }
  PutVarint64(&payload, data.files.size());
  for (const graph::FileInput& f : data.files) EncodeFileInput(f, &payload);
  return internal::SealPayload(payload, data.lsn, data.files.size(), out);
}

absl::StatusOr<CheckpointData> DecodeCheckpoint(std::string_view bytes) {
  return Decode(bytes, "(in memory)");
}

absl::Status WriteCheckpoint(wal::Env* env, const std::string& path,
                             const CheckpointData& data) {
  std::string bytes;
  if (absl::Status s = EncodeCheckpoint(data, &bytes); !s.ok())
    return absl::Status(s.code(), "checkpoint " + path + ": " +
                                      std::string(s.message()));
  return env->WriteFileAtomically(path, bytes);
}

absl::StatusOr<CheckpointFile> ReadCheckpointFile(wal::Env* env,
                                                  const std::string& path) {
  absl::StatusOr<std::unique_ptr<wal::ReadableFile>> f = env->OpenReadable(path);
  if (!f.ok()) return f.status();
  absl::StatusOr<uint64_t> size = (*f)->Size();
  if (!size.ok()) return size.status();
  std::string head;
  if (absl::Status s = (*f)->ReadAt(0, std::min<uint64_t>(*size, kMaxHeaderSize), &head);
      !s.ok())
    return s;
  // Check the header against the size before reading (and allocating) the
  // rest: the size is the file's real size, so the bytes are on disk.
  absl::StatusOr<Header> h = ParseHeader(head, *size, path);
  if (!h.ok()) return h.status();
  CheckpointFile file;
  file.path = path;
  file.lsn = h->lsn;
  absl::StatusOr<std::unique_ptr<wal::FileBytes>> bytes =
      (*f)->ReadWhole(static_cast<size_t>(*size));
  if (!bytes.ok()) return bytes.status();
  file.data = std::move(*bytes);
  if (file.bytes().size() != *size)
    return Corrupt(path, "the file shrank while being read");
  return file;
}

absl::StatusOr<CheckpointData> DecodeCheckpointFile(const CheckpointFile& file) {
  return Decode(file.bytes(), file.path);
}

absl::StatusOr<CheckpointData> ReadCheckpoint(wal::Env* env,
                                              const std::string& path) {
  absl::StatusOr<CheckpointFile> file = ReadCheckpointFile(env, path);
  if (!file.ok()) return file.status();
  return DecodeCheckpointFile(*file);
}

absl::Status WriteCheckpoint(const std::string& path, const CheckpointData& data) {
  return WriteCheckpoint(wal::Env::Default(), path, data);
}

absl::StatusOr<CheckpointData> ReadCheckpoint(const std::string& path) {
  return ReadCheckpoint(wal::Env::Default(), path);
}

}  // namespace aim::recovery

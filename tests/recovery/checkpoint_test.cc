// recovery/checkpoint and recovery/file_input_codec: round trips, the file
// dance, and byte-level damage (every truncation, every bit flip, forged
// header fields behind a fixed CRC, payload damage behind valid CRCs).
#include "recovery/checkpoint.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <zstd.h>

#include "engine/graph/graph.h"
#include "gtest/gtest.h"
#include "recovery/file_input_codec.h"
#include "tests/recovery/checkpoint_testing.h"
#include "tests/support/graph_fixture.h"

namespace aim::recovery {
namespace {

namespace fs = std::filesystem;
using testing::DataDiff;
using testing::FactsGen;
using testing::SmallData;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }
bool Has(const absl::Status& s, std::string_view part) {
  return Msg(s).find(part) != std::string::npos;
}

std::string Encode(const CheckpointData& d) {
  std::string out;
  absl::Status s = EncodeCheckpoint(d, &out);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

std::string RawPayload(const std::string& ckpt) {
  std::string raw(testing::Get64(ckpt, testing::kRawSizeAt), '\0');
  size_t n = ZSTD_decompress(raw.data(), raw.size(),
                             ckpt.data() + kCheckpointHeaderSize,
                             ckpt.size() - kCheckpointHeaderSize);
  EXPECT_EQ(n, raw.size());
  return raw;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "aim_ckpt_XXXXXX";
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- FileInput codec

TEST(FileInputCodec, RoundTripsAndConsumes) {
  FactsGen gen(5);
  graph::FileInput a = testing::Input("src/ü.rs", gen.Facts());
  a.deps = graph::CrateDeps{{"alpha_core", "serde"}, {"quickcheck"}};
  graph::FileInput b = testing::Input("", FileFacts{});
  b.crate = "";
  b.module = "";
  graph::FileInput c = testing::Input("src/c.rs", gen.Facts());
  c.deps = graph::CrateDeps{};  // known to use nothing
  std::string bytes;
  EncodeFileInput(a, &bytes);
  EncodeFileInput(b, &bytes);
  EncodeFileInput(c, &bytes);
  std::string_view in = bytes;
  for (const graph::FileInput* want : {&a, &b, &c}) {
    absl::StatusOr<graph::FileInput> got = DecodeFileInput(&in);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->path, want->path);
    EXPECT_EQ(got->crate, want->crate);
    EXPECT_EQ(got->module, want->module);
    EXPECT_EQ(got->deps, want->deps);
    EXPECT_EQ(testing::FactsDiff(got->facts, want->facts), "");
  }
  EXPECT_TRUE(in.empty());
}

// A record of an older build (format 1: no deps) reads as unknown deps.
TEST(FileInputCodec, FormatOneHasUnknownDeps) {
  graph::FileInput a = testing::Input("src/a.rs", testing::FullFacts());
  std::string v2;
  EncodeFileInput(a, &v2);  // deps unknown: the count is one byte, 0
  // Format 1 is format 2 without that byte (after path, crate, module).
  std::string head;
  model::coding::PutString(&head, a.path);
  model::coding::PutString(&head, a.crate);
  model::coding::PutString(&head, a.module);
  ASSERT_EQ(v2.substr(1, head.size()), head);
  ASSERT_EQ(v2[1 + head.size()], '\0');
  std::string v1 = "\x01" + head + v2.substr(2 + head.size());
  std::string_view in = v1;
  absl::StatusOr<graph::FileInput> got = DecodeFileInput(&in);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->deps.has_value());
  EXPECT_EQ(testing::FactsDiff(got->facts, a.facts), "");
  EXPECT_TRUE(in.empty());
  // A deps count past the bytes left is damage, not an allocation.
  std::string huge = v2;
  huge.replace(1 + head.size(), 1, "\xff\xff\xff\xff\x0f");
  std::string_view hin = huge;
  absl::StatusOr<graph::FileInput> bad = DecodeFileInput(&hin);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Has(bad.status(), "FileInput deps count")) << bad.status();
}

TEST(FileInputCodec, NewerFormatAndTruncation) {
  std::string bytes;
  EncodeFileInput(testing::Input("p.rs", testing::FullFacts()), &bytes);
  std::string newer = bytes;
  newer[0] = 9;
  std::string_view in = newer;
  absl::StatusOr<graph::FileInput> got = DecodeFileInput(&in);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(got.status(), "FileInput format 9")) << got.status();
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string_view prefix(bytes.data(), n);
    ASSERT_FALSE(DecodeFileInput(&prefix).ok()) << n;
    EXPECT_EQ(prefix.size(), n);
  }
}

// ---- encode / decode in memory

TEST(Checkpoint, RoundTripsInMemory) {
  for (const CheckpointData& d : {CheckpointData{}, SmallData()}) {
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(Encode(d));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(DataDiff(*got, d), "");
  }
}

TEST(Checkpoint, RandomContentsRoundTrip) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    FactsGen gen(seed);
    CheckpointData d;
    d.lsn = gen.U64();
    d.root = gen.Str();
    d.created_unix_micros = static_cast<int64_t>(gen.U64());
    for (size_t i = gen.Below(20); i > 0; --i)
      d.files.push_back(testing::Input(gen.Str(), gen.Facts()));
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(Encode(d));
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(DataDiff(*got, d), "") << "seed " << seed;
  }
}

// Compresses ~2000:1, so the decoder's output buffer starts far smaller
// than the payload and grows many times.
TEST(Checkpoint, HighlyCompressiblePayloadRoundTrips) {
  CheckpointData d;
  d.lsn = 1;
  d.root = std::string(20 << 20, 'a');
  FileFacts f;
  f.errors.push_back({1, 2, std::string(3 << 20, 'b')});
  d.files.push_back(testing::Input("x.rs", f));
  std::string b = Encode(d);
  EXPECT_LT(b.size(), 64u << 10);
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(b);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(DataDiff(*got, d), "");
}

// A checkpoint holding ~9.5 MiB of image: three zstd frames (FORMAT.md).
CheckpointData FramedData() {
  CheckpointData d;
  d.lsn = 7;
  d.root = "/ws";
  std::mt19937_64 rng(3);
  const size_t size = (9u << 20) + (512u << 10);
  d.image_storage.reserve(size);
  while (d.image_storage.size() < size)
    d.image_storage += "fn item_" + std::to_string(rng() % 100000) + "() {}\n";
  d.image_storage.resize(size);
  return d;
}

// Where each zstd frame of a checkpoint's payload starts and ends.
std::vector<std::pair<size_t, size_t>> Frames(const std::string& ckpt) {
  std::vector<std::pair<size_t, size_t>> frames;
  for (size_t at = kCheckpointHeaderSize; at < ckpt.size();) {
    size_t n = ZSTD_findFrameCompressedSize(ckpt.data() + at, ckpt.size() - at);
    EXPECT_FALSE(ZSTD_isError(n));
    if (ZSTD_isError(n)) break;
    frames.emplace_back(at, at + n);
    at += n;
  }
  return frames;
}

TEST(Checkpoint, LargePayloadIsFramesDecodedAtOnce) {
  const CheckpointData d = FramedData();
  const std::string b = Encode(d);
  EXPECT_EQ(testing::Get32(b, testing::kFlagsAt) & 0xffff, 3u)  // image, frames
      << std::hex << testing::Get32(b, testing::kFlagsAt);
  const auto frames = Frames(b);
  ASSERT_EQ(frames.size(), 3u);
  for (const auto& [begin, end] : frames)
    EXPECT_NE(ZSTD_getFrameContentSize(b.data() + begin, end - begin),
              ZSTD_CONTENTSIZE_UNKNOWN);
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(b);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->image(), std::string_view(d.image_storage));
  EXPECT_EQ(got->root, d.root);
  EXPECT_EQ(got->lsn, d.lsn);
}

// Frames rearranged behind valid checksums: each is refused naming what is
// wrong, before anything is decoded into the wrong place.
TEST(Checkpoint, DamagedFramesAreRefusedBehindValidChecksums) {
  const std::string b = Encode(FramedData());
  const auto frames = Frames(b);
  ASSERT_EQ(frames.size(), 3u);
  auto frame = [&](size_t i) {
    return b.substr(frames[i].first, frames[i].second - frames[i].first);
  };
  struct Case {
    std::string payload;
    const char* expect;
  };
  std::string flipped = frame(1);
  flipped[flipped.size() / 2] ^= 0x10;
  const Case cases[] = {
      {frame(0) + frame(2) + frame(1), "zstd frame 1 at payload byte"},
      {frame(0) + frame(1), "frames hold"},
      {frame(0) + frame(1) + frame(2) + frame(2), "more than the 3 frames"},
      {frame(0) + frame(1).substr(0, 1000), "zstd frame 1 at payload byte"},
      {frame(0) + flipped + frame(2), "zstd frame 1 at payload byte"},
  };
  for (const Case& c : cases) {
    std::string d = b;
    testing::ResealPayload(d, c.payload);
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(d);
    ASSERT_FALSE(got.ok()) << c.expect;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(Has(got.status(), c.expect)) << got.status();
  }
  // A size more than 64 times the payload is refused before allocating.
  std::string d = b;
  testing::Set64(d, testing::kRawSizeAt, uint64_t{3} << 30);
  testing::FixHeaderCrc(d);
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(d);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(Has(got.status(), "more than 64 times")) << got.status();
}

TEST(Checkpoint, HeaderLayoutMatchesFormatMd) {
  CheckpointData d = SmallData();
  std::string b = Encode(d);
  using namespace testing;
  ASSERT_GT(b.size(), kCheckpointHeaderSize);
  EXPECT_EQ(b.substr(0, 8), "AIMCKPT1");
  EXPECT_EQ(Get32(b, kVersionAt), 1u);
  EXPECT_EQ(Get32(b, kHeaderSizeAt), 64u);
  EXPECT_EQ(Get32(b, kFlagsAt) & 0xffff, 0u);
  EXPECT_EQ(Get32(b, 20), 0u);  // reserved
  EXPECT_EQ(Get64(b, kLsnAt), 42u);
  EXPECT_EQ(Get64(b, kFileCountAt), 2u);
  EXPECT_EQ(Get64(b, kPackedSizeAt), b.size() - 64);
  EXPECT_EQ(Get64(b, kRawSizeAt), RawPayload(b).size());
  EXPECT_EQ(wal::crc32c::Unmask(Get32(b, kPayloadCrcAt)),
            wal::crc32c::Value(b.data() + 64, b.size() - 64));
  EXPECT_EQ(wal::crc32c::Unmask(Get32(b, kHeaderCrcAt)),
            wal::crc32c::Value(b.data(), 60));
  // The payload starts with the root, the LSN, the time and the count.
  std::string raw = RawPayload(b);
  model::coding::Reader r(raw);
  std::string root;
  r.String(&root, "root");
  EXPECT_EQ(root, d.root);
  EXPECT_EQ(r.Varint64("lsn"), 42u);
  EXPECT_EQ(r.Varint64("created"), 1700000000123456u);
  EXPECT_EQ(r.Varint64("count"), 2u);
}

TEST(Checkpoint, EveryTruncationIsRejected) {
  std::string b = Encode(SmallData());
  for (size_t n = 0; n < b.size(); ++n) {
    absl::StatusOr<CheckpointData> got =
        DecodeCheckpoint(std::string_view(b.data(), n));
    ASSERT_FALSE(got.ok()) << "a " << n << "-byte prefix was accepted";
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << n;
    EXPECT_TRUE(Has(got.status(), "checkpoint")) << got.status();
  }
}

TEST(Checkpoint, EveryBitFlipIsRejected) {
  std::string b = Encode(SmallData());
  for (size_t bit = 0; bit < b.size() * 8; ++bit) {
    std::string d = b;
    d[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(d);
    ASSERT_FALSE(got.ok()) << "flip of bit " << bit << " was accepted";
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss)
        << bit << ": " << got.status();
  }
}

TEST(Checkpoint, TrailingBytesAreRejected) {
  std::string b = Encode(SmallData()) + "x";
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(b);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(Has(got.status(), "does not match")) << got.status();
}

TEST(Checkpoint, BadMagic) {
  std::string b = Encode(SmallData());
  b[7] = '2';
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(b);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Has(got.status(), "bad magic")) << got.status();
  EXPECT_FALSE(DecodeCheckpoint("not a checkpoint at all, just text....."
                                "..............................").ok());
}

TEST(Checkpoint, FutureVersionIsAClearError) {
  std::string b = Encode(SmallData());
  testing::Set32(b, testing::kVersionAt, 2);
  testing::FixHeaderCrc(b);
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(b);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(got.status(), "format version 2 is newer")) << got.status();
  // Without the CRC fix the same change is damage, not a newer file.
  std::string damaged = Encode(SmallData());
  testing::Set32(damaged, testing::kVersionAt, 2);
  EXPECT_EQ(DecodeCheckpoint(damaged).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(Checkpoint, RequiredFlagsMustBeKnownOptionalOnesAreIgnored) {
  std::string b = Encode(SmallData());
  uint32_t flags = testing::Get32(b, testing::kFlagsAt);
  std::string required = b;
  testing::Set32(required, testing::kFlagsAt, flags | 0x4);
  testing::FixHeaderCrc(required);
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(required);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(got.status(), "required flags")) << got.status();
  std::string optional = b;
  testing::Set32(optional, testing::kFlagsAt, flags | (1u << 30));
  testing::FixHeaderCrc(optional);
  EXPECT_TRUE(DecodeCheckpoint(optional).ok());
}

TEST(Checkpoint, ForgedHeaderFieldsAreRejected) {
  using namespace testing;
  const std::string b = Encode(SmallData());
  const uint64_t raw = Get64(b, kRawSizeAt);
  struct Case {
    size_t at;
    uint64_t value;
    const char* expect;
  };
  const Case cases[] = {
      {kRawSizeAt, uint64_t{1} << 40, "exceeds the limit"},  // 1 TiB
      {kRawSizeAt, uint64_t{3} << 30, "zstd frame holds"},   // 3 GiB
      {kRawSizeAt, raw + 1, "zstd frame holds"},
      {kRawSizeAt, 0, "file count"},
      {kPackedSizeAt, uint64_t{1} << 40, "exceeds the limit"},
      {kPackedSizeAt, b.size() - 64 + 1, "does not match"},
      {kFileCountAt, uint64_t{1} << 40, "cannot fit"},
      {kFileCountAt, 3, "2 differs from the header's 3"},
      {kLsnAt, 43, "42 differs from the header's 43"},
  };
  for (const Case& c : cases) {
    std::string d = b;
    Set64(d, c.at, c.value);
    FixHeaderCrc(d);
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(d);
    ASSERT_FALSE(got.ok()) << c.expect;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(Has(got.status(), c.expect)) << got.status();
  }
  for (uint32_t hs : {0u, 63u, 65u, 5000u}) {
    std::string d = b;
    Set32(d, kHeaderSizeAt, hs);
    EXPECT_EQ(DecodeCheckpoint(d).status().code(), absl::StatusCode::kDataLoss)
        << hs;
  }
}

// Damage that a writer bug (not the disk) could cause: the payload is bad
// but sealed with valid sizes and CRCs. The decoder must still refuse it
// cleanly, or accept it only as other well-formed data; never crash.
TEST(Checkpoint, PayloadDamageBehindValidChecksums) {
  const std::string b = Encode(SmallData());
  const std::string raw = RawPayload(b);
  const uint64_t lsn = testing::Get64(b, testing::kLsnAt);
  const uint64_t count = testing::Get64(b, testing::kFileCountAt);
  std::string sealed;
  ASSERT_TRUE(internal::SealPayload(raw, lsn, count, &sealed).ok());
  EXPECT_EQ(sealed, b);
  for (size_t n = 0; n < raw.size(); ++n) {
    ASSERT_TRUE(internal::SealPayload(std::string_view(raw.data(), n), lsn,
                                      count, &sealed)
                    .ok());
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(sealed);
    ASSERT_FALSE(got.ok()) << "payload prefix " << n << " accepted";
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << n;
  }
  size_t accepted = 0;
  for (size_t i = 0; i < raw.size(); ++i)
    for (int bit : {0, 3, 7}) {
      std::string d = raw;
      d[i] ^= static_cast<char>(1 << bit);
      ASSERT_TRUE(internal::SealPayload(d, lsn, count, &sealed).ok());
      absl::StatusOr<CheckpointData> got = DecodeCheckpoint(sealed);
      if (got.ok()) {
        ++accepted;  // e.g. a changed character inside a string
        continue;
      }
      EXPECT_TRUE(got.status().code() == absl::StatusCode::kDataLoss ||
                  got.status().code() == absl::StatusCode::kFailedPrecondition)
          << got.status();
    }
  EXPECT_LT(accepted, raw.size() * 3);
}

TEST(Checkpoint, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(9);
  const std::string b = Encode(SmallData());
  for (int i = 0; i < 5000; ++i) {
    std::string d = i % 2 ? b.substr(0, rng() % (b.size() + 1))
                          : std::string(rng() % 300, '\0');
    for (int k = rng() % 8; k >= 0 && !d.empty(); --k)
      d[rng() % d.size()] = static_cast<char>(rng());
    if (i % 3 == 0 && d.size() >= 64) testing::FixHeaderCrc(d);
    (void)DecodeCheckpoint(d);
  }
}

// ---- files

TEST(CheckpointFile, WriteReadAndReplace) {
  TempDir dir;
  const std::string path = dir / "checkpoint";
  CheckpointData first = SmallData();
  ASSERT_TRUE(WriteCheckpoint(path, first).ok());
  absl::StatusOr<CheckpointData> got = ReadCheckpoint(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(DataDiff(*got, first), "");
  EXPECT_EQ(ReadFile(path), Encode(first));

  CheckpointData second;
  second.lsn = 99;
  second.root = "/r";
  WriteFile(path + ".tmp", "stale temp file from a crash");
  ASSERT_TRUE(WriteCheckpoint(path, second).ok());
  got = ReadCheckpoint(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(DataDiff(*got, second), "");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

// A graph given to EncodeCheckpoint is streamed (saved and compressed frame
// by frame): the same file as its image given whole, for an image of one
// frame (a fixture) and of several (six real crates, over 4 MiB).
TEST(Checkpoint, StreamedGraphIsTheSameAsItsImage) {
  const std::string registry = AIM_CARGO_REGISTRY;
  const std::vector<std::vector<std::string>> trees = {
      {std::string(AIM_SOURCE_DIR) + "/tests/fixtures/shapes"},
      {registry + "/tokio-1.24.2", registry + "/syn-1.0.107",
       registry + "/regex-syntax-0.6.27", registry + "/clap-4.0.32",
       registry + "/rayon-1.6.1", registry + "/regex-1.7.1"}};
  for (const auto& dirs : trees) {
    SCOPED_TRACE(dirs[0]);
    std::vector<graph::FileInput> inputs;
    for (const std::string& d : dirs) {
      std::vector<graph::FileInput> tree = testing::LoadTree(d);
      if (tree.empty()) GTEST_SKIP() << d << " not installed";
      for (graph::FileInput& f : tree) {
        f.path = d.substr(d.rfind('/') + 1) + "/" + f.path;  // unique
        inputs.push_back(std::move(f));
      }
    }
    graph::Graph g;
    testing::IngestAll(g, inputs);
    const std::string& dir = dirs[0];
    CheckpointData whole;
    whole.lsn = 9;
    whole.root = dir;
    g.SaveImage(&whole.image_storage);
    CheckpointData streamed;
    streamed.lsn = 9;
    streamed.root = dir;
    streamed.graph = &g;
    const std::string a = Encode(whole), b = Encode(streamed);
    EXPECT_TRUE(a == b) << a.size() << " vs " << b.size();
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(b);
    ASSERT_TRUE(got.ok()) << got.status();
    auto loaded = graph::Graph::LoadImage(got->image());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ((*loaded)->Digest(), g.Digest());
    if (dirs.size() > 1) {
      EXPECT_GT(whole.image_storage.size(), 4u << 20);
      EXPECT_EQ(testing::Get32(b, testing::kFlagsAt) & 2, 2u);  // frames
    }
    // A graph with files or an image besides is a caller's mistake.
    streamed.image_storage = "x";
    std::string out;
    EXPECT_FALSE(EncodeCheckpoint(streamed, &out).ok());
  }
}

TEST(CheckpointFile, RealTreeRoundTripsToTheSameGraph) {
  std::vector<graph::FileInput> inputs = testing::LoadTree(
      std::string(AIM_SOURCE_DIR) + "/tests/fixtures/shapes");
  ASSERT_FALSE(inputs.empty());
  CheckpointData d;
  d.lsn = 7;
  d.root = "tests/fixtures/shapes";
  d.files = inputs;
  TempDir dir;
  ASSERT_TRUE(WriteCheckpoint(dir / "c", d).ok());
  absl::StatusOr<CheckpointData> got = ReadCheckpoint(dir / "c");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(DataDiff(*got, d), "");
  graph::Graph a, b;
  testing::IngestAll(a, inputs);
  testing::IngestAll(b, got->files);
  EXPECT_EQ(a.Digest(), b.Digest());
  EXPECT_GT(a.entity_count(), 0u);
}

TEST(CheckpointFile, MissingFileNamesThePath) {
  TempDir dir;
  absl::StatusOr<CheckpointData> got = ReadCheckpoint(dir / "nope");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Has(got.status(), dir / "nope")) << got.status();
  EXPECT_TRUE(Has(got.status(), "ENOENT")) << got.status();
  got = ReadCheckpoint(dir.path());
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(Has(got.status(), "not a regular file")) << got.status();
}

TEST(CheckpointFile, EveryTruncationOnDiskIsRejectedNamingTheFile) {
  TempDir dir;
  const std::string b = Encode(SmallData());
  const std::string path = dir / "c";
  for (size_t n = 0; n < b.size(); ++n) {
    WriteFile(path, b.substr(0, n));
    absl::StatusOr<CheckpointData> got = ReadCheckpoint(path);
    ASSERT_FALSE(got.ok()) << n;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << n;
    EXPECT_TRUE(Has(got.status(), "checkpoint " + path + ":")) << got.status();
  }
}

TEST(CheckpointFile, WriteIntoMissingDirectoryChangesNothing) {
  TempDir dir;
  const std::string path = dir / "no/such/dir/c";
  absl::Status s = WriteCheckpoint(path, SmallData());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Has(s, path + ".tmp")) << s;
  EXPECT_TRUE(Has(s, "is unchanged")) << s;
}

// A write that fails part-way (here: the file-size limit, EFBIG) leaves the
// previous checkpoint intact and no temp file behind.
TEST(CheckpointFile, FailedWriteKeepsThePreviousCheckpoint) {
  TempDir dir;
  const std::string path = dir / "c";
  CheckpointData old = SmallData();
  ASSERT_TRUE(WriteCheckpoint(path, old).ok());
  const std::string old_bytes = ReadFile(path);

  FactsGen gen(11);
  CheckpointData big;
  for (int i = 0; i < 300; ++i)
    big.files.push_back(testing::Input(gen.Str(), gen.Facts()));
  std::string big_bytes = Encode(big);
  ASSERT_GT(big_bytes.size(), 64u * 1024);

  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct sigaction ignore = {}, saved_action;
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &saved_action), 0);
  struct rlimit small = saved;
  small.rlim_cur = 16 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  absl::Status s = WriteCheckpoint(path, big);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  ASSERT_EQ(sigaction(SIGXFSZ, &saved_action, nullptr), 0);

  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s, "write " + path + ".tmp")) << s;
  EXPECT_TRUE(Has(s, "EFBIG")) << s;
  EXPECT_TRUE(Has(s, path + " is unchanged")) << s;
  EXPECT_EQ(ReadFile(path), old_bytes);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  absl::StatusOr<CheckpointData> got = ReadCheckpoint(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(DataDiff(*got, old), "");
}

TEST(CheckpointFile, NoSpaceIsAClearError) {
  absl::Status s = internal::IoError(ENOSPC, "write", "/db/checkpoint.tmp",
                                     "/db/checkpoint is unchanged");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Msg(s),
            "write /db/checkpoint.tmp: No space left on device (ENOSPC); the "
            "disk is full; /db/checkpoint is unchanged");
}

}  // namespace
}  // namespace aim::recovery

namespace aim::recovery {
namespace {

// A checkpoint holding a graph image: round trip, the required flag, and
// damage anywhere refused.
TEST(CheckpointImage, RoundTripsAndIsRefusedWhenDamaged) {
  graph::Graph g;
  FactsGen gen(5);
  for (int i = 0; i < 20; ++i) g.UpsertFile(testing::Input(gen.Str(), gen.Facts()));
  CheckpointData d;
  d.lsn = 42;
  d.root = "/ws";
  g.SaveImage(&d.image_storage);
  const std::string bytes = Encode(d);
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(bytes);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->has_image());
  EXPECT_TRUE(got->files.empty());
  EXPECT_EQ(got->lsn, 42u);
  EXPECT_EQ(got->root, "/ws");
  EXPECT_EQ(got->image(), std::string_view(d.image_storage));
  auto loaded = graph::Graph::LoadImage(got->image());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->Digest(), g.Digest());
  // Files and an image at once is a caller's mistake.
  d.files.push_back(testing::Input("x.rs", gen.Facts()));
  std::string out;
  EXPECT_FALSE(EncodeCheckpoint(d, &out).ok());
  // Every truncation and a flip in every 97th byte is refused.
  for (size_t n = 0; n < bytes.size(); n += 13)
    ASSERT_FALSE(DecodeCheckpoint(bytes.substr(0, n)).ok()) << n;
  for (size_t i = 0; i < bytes.size(); i += 97) {
    std::string damaged = bytes;
    damaged[i] ^= 0x20;
    ASSERT_FALSE(DecodeCheckpoint(damaged).ok()) << i;
  }
}

}  // namespace
}  // namespace aim::recovery

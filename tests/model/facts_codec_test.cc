// engine/model/facts_codec: exact round trips, the consuming API, and
// decoding damaged or arbitrary bytes (errors, never crashes).
#include "engine/model/facts_codec.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "aim/extract.h"
#include "gtest/gtest.h"
#include "tests/model/facts_testing.h"

namespace aim::model {
namespace {

using testing::FactsDiff;
using testing::FactsGen;

std::string Encode(const FileFacts& f) {
  std::string out;
  EncodeFileFacts(f, &out);
  return out;
}

// Decodes `bytes` completely; fails the test on error or trailing bytes.
FileFacts RoundTrip(const FileFacts& f) {
  std::string bytes = Encode(f);
  std::string_view in = bytes;
  absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
  EXPECT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(in.empty()) << in.size() << " bytes left";
  if (!got.ok()) return {};
  EXPECT_EQ(Encode(*got), bytes);
  return *std::move(got);
}

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

TEST(FactsCodec, EmptyFactsAreSmall) {
  FileFacts empty;
  // format, "" file, fixed64 hash, lines, 7 zero counts.
  EXPECT_EQ(Encode(empty).size(), 1u + 1 + 8 + 1 + 7);
  EXPECT_EQ(FactsDiff(RoundTrip(empty), empty), "");
}

TEST(FactsCodec, EveryFieldRoundTrips) {
  FileFacts full = testing::FullFacts();
  EXPECT_EQ(FactsDiff(RoundTrip(full), full), "");
}

TEST(FactsCodec, RandomFactsRoundTrip) {
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    FactsGen gen(seed);
    FileFacts f = gen.Facts(seed % 50 == 0 ? 200 : 8);
    ASSERT_EQ(FactsDiff(RoundTrip(f), f), "") << "seed " << seed;
  }
}

TEST(FactsCodec, ExtremeValuesRoundTrip) {
  FileFacts f;
  f.content_hash = UINT64_MAX;
  f.lines = UINT32_MAX;
  f.items.resize(3);
  f.items[2].line = UINT32_MAX;
  f.items[2].end_line = UINT32_MAX;
  f.items[2].parent = 1;  // the largest parent allowed for item 2
  f.items[2].kind = static_cast<ItemKind>(kItemKindCount - 1);
  f.items[0].impl = 0;
  f.impls.resize(1);
  f.impls[0].parent = 2;
  f.errors.push_back({UINT32_MAX, UINT32_MAX, std::string(100000, 'x')});
  EXPECT_EQ(FactsDiff(RoundTrip(f), f), "");
}

TEST(FactsCodec, IndexCodingCoversEveryInt32) {
  for (int32_t v : {INT32_MIN, INT32_MIN + 1, -2, -1, 0, 1, 127, 128,
                    INT32_MAX - 1, INT32_MAX}) {
    std::string b;
    coding::PutIndex(&b, v);
    coding::Reader r(b);
    EXPECT_EQ(r.Index("i"), v);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
  std::string minus_one;
  coding::PutIndex(&minus_one, -1);
  EXPECT_EQ(minus_one.size(), 1u);
}

TEST(FactsCodec, VarintsRejectOverlongAndOverflow) {
  std::string eleven(11, '\x80');
  coding::Reader r1(eleven);
  r1.Varint64("v");
  EXPECT_FALSE(r1.ok());
  std::string max;
  coding::PutVarint64(&max, UINT64_MAX);
  coding::Reader r2(max);
  EXPECT_EQ(r2.Varint64("v"), UINT64_MAX);
  max[9] = 0x02;  // a 65th bit
  coding::Reader r3(max);
  r3.Varint64("v");
  EXPECT_FALSE(r3.ok());
  coding::Reader r4(max);
  r4.Varint32("v");
  EXPECT_FALSE(r4.ok());
}

TEST(FactsCodec, ConsumesExactlyOneRecord) {
  FactsGen gen(7);
  FileFacts a = gen.Facts(), b = gen.Facts();
  std::string bytes = Encode(a) + Encode(b) + "tail";
  std::string_view in = bytes;
  absl::StatusOr<FileFacts> got_a = DecodeFileFacts(&in);
  ASSERT_TRUE(got_a.ok()) << got_a.status();
  absl::StatusOr<FileFacts> got_b = DecodeFileFacts(&in);
  ASSERT_TRUE(got_b.ok()) << got_b.status();
  EXPECT_EQ(FactsDiff(*got_a, a), "");
  EXPECT_EQ(FactsDiff(*got_b, b), "");
  EXPECT_EQ(in, "tail");
  // An error leaves the view where it was.
  absl::StatusOr<FileFacts> bad = DecodeFileFacts(&in);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(in, "tail");
}

TEST(FactsCodec, EveryTruncationIsAnError) {
  FileFacts f = testing::FullFacts();
  std::string bytes = Encode(f);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string_view in(bytes.data(), n);
    absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
    ASSERT_FALSE(got.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << n;
    EXPECT_EQ(in.size(), n);
  }
}

TEST(FactsCodec, BitFlipsNeverCrash) {
  // Without a checksum a flip may decode to other valid facts; it must
  // never crash, and errors must be DataLoss or (format byte) newer-format.
  std::string bytes = Encode(testing::FullFacts());
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string damaged = bytes;
    damaged[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    std::string_view in = damaged;
    absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
    if (!got.ok()) {
      EXPECT_TRUE(got.status().code() == absl::StatusCode::kDataLoss ||
                  got.status().code() == absl::StatusCode::kFailedPrecondition)
          << got.status();
      EXPECT_FALSE(got.status().message().empty());
    }
  }
}

TEST(FactsCodec, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(42);
  FactsGen gen(43);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(rng() % 200);
      for (char& c : bytes) c = static_cast<char>(rng());
      if (!bytes.empty() && rng() % 2) bytes[0] = kFactsFormat;
    } else {
      bytes = Encode(gen.Facts(4));
      for (int k = rng() % 4; k >= 0; --k)
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    std::string_view in = bytes;
    absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
    if (got.ok()) {
      EXPECT_LE(in.size(), bytes.size());
    }
  }
}

TEST(FactsCodec, NewerFormatIsAClearError) {
  std::string bytes = Encode(FileFacts{});
  bytes[0] = aim::model::kFactsFormat + 1;
  std::string_view in = bytes;
  absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(Msg(got.status()).find("format 3"), std::string::npos)
      << got.status();
  EXPECT_NE(Msg(got.status()).find("newer"), std::string::npos);
  bytes[0] = 0;
  in = bytes;
  EXPECT_EQ(DecodeFileFacts(&in).status().code(), absl::StatusCode::kDataLoss);
}

// Format 1 (before text hashes): the same facts without the two columns
// of text hashes at the end; they read as 0, unknown. A format-2 record
// cut inside the columns is an error that names them.
TEST(FactsCodec, FormatOneReadsWithoutTextHashes) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    FileFacts f = aim::testing::FactsGen(seed).Facts();
    const std::string two = Encode(f);
    const size_t columns = 8 * (f.items.size() + f.impls.size());
    std::string one = two.substr(0, two.size() - columns);
    one[0] = 1;
    std::string_view in = one;
    absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(in.empty());
    for (Item& x : f.items) x.text_hash = 0;
    for (Impl& x : f.impls) x.text_hash = 0;
    EXPECT_EQ(aim::testing::FactsDiff(*got, f), "") << "seed " << seed;
    if (columns == 0) continue;
    std::string cut = two.substr(0, two.size() - 1);
    in = cut;
    got = DecodeFileFacts(&in);
    ASSERT_FALSE(got.ok());
    EXPECT_NE(Msg(got.status()).find("text_hash"), std::string::npos)
        << got.status();
  }
}

TEST(FactsCodec, RejectsUnknownKindAndFlags) {
  FileFacts f;
  f.items.resize(1);
  std::string bytes = Encode(f);
  // The item starts after format, file, hash, lines and the item count.
  const size_t item = 1 + 1 + 8 + 1 + 1;
  std::string bad_kind = bytes;
  bad_kind[item] = static_cast<char>(kItemKindCount);
  std::string_view in = bad_kind;
  absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(Msg(got.status()).find("items[0].kind"), std::string::npos)
      << got.status();
  std::string bad_flags = bytes;
  bad_flags[item + 8] = 4;  // kind, 2 strings, 2 lines, 3 strings, flags
  in = bad_flags;
  got = DecodeFileFacts(&in);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(Msg(got.status()).find("flag"), std::string::npos)
      << got.status();
}

TEST(FactsCodec, RejectsIndicesOutOfRange) {
  struct Case {
    const char* field;
    void (*damage)(FileFacts&);
  };
  const Case cases[] = {
      {"items[1].parent", [](FileFacts& f) { f.items[1].parent = 1; }},
      {"items[0].parent", [](FileFacts& f) { f.items[0].parent = -2; }},
      {"items[0].impl", [](FileFacts& f) { f.items[0].impl = 1; }},
      {"impls[0].parent", [](FileFacts& f) { f.impls[0].parent = 2; }},
      {"calls[0].caller_item",
       [](FileFacts& f) { f.calls[0].caller_item = INT32_MAX; }},
      {"imports[0].scope_item",
       [](FileFacts& f) { f.imports[0].scope_item = 2; }},
      {"type_uses[0].from_item",
       [](FileFacts& f) { f.type_uses[0].from_item = INT32_MIN; }},
  };
  for (const Case& c : cases) {
    FileFacts f = testing::FullFacts();
    c.damage(f);
    std::string bytes = Encode(f);
    std::string_view in = bytes;
    absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
    ASSERT_FALSE(got.ok()) << c.field;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(Msg(got.status()).find(c.field), std::string::npos)
        << got.status();
  }
}

TEST(FactsCodec, HugeCountsAndLengthsAreRejectedBeforeAllocating) {
  // A count or string length near 2^64 must fail the "fits in the bytes
  // left" check, not reach reserve() or assign().
  for (size_t field : {0, 1}) {
    std::string bytes(1, static_cast<char>(kFactsFormat));
    if (field == 0) {
      coding::PutVarint64(&bytes, UINT64_MAX);  // file name length
    } else {
      coding::PutString(&bytes, "f");
      coding::PutFixed64(&bytes, 0);
      coding::PutVarint32(&bytes, 0);
      coding::PutVarint64(&bytes, uint64_t{1} << 40);  // item count
    }
    bytes += std::string(64, '\0');
    std::string_view in = bytes;
    absl::StatusOr<FileFacts> got = DecodeFileFacts(&in);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(Msg(got.status()).find(field == 0 ? "exceeds" : "cannot fit"),
              std::string::npos)
        << got.status();
  }
}

// The extractor's output on real code round-trips and meets the decoder's
// index invariants.
TEST(FactsCodec, ExtractedFactsRoundTrip) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(
           fs::path(AIM_SOURCE_DIR) / "tests" / "fixtures"))
    if (e.path().extension() == ".rs") files.push_back(e.path());
  std::error_code ec;
  const fs::path registry(AIM_CARGO_REGISTRY);
  std::vector<fs::path> crates;
  for (const auto& e : fs::directory_iterator(registry, ec))
    for (const char* name : {"serde-1", "regex-1", "tokio-1"})
      if (e.path().filename().string().rfind(name, 0) == 0)
        crates.push_back(e.path());
  std::sort(crates.begin(), crates.end());
  for (const fs::path& crate : crates) {
    std::vector<fs::path> rs;
    for (const auto& e : fs::recursive_directory_iterator(crate, ec))
      if (e.path().extension() == ".rs") rs.push_back(e.path());
    std::sort(rs.begin(), rs.end());
    if (rs.size() > 150) rs.resize(150);
    files.insert(files.end(), rs.begin(), rs.end());
  }
  ASSERT_FALSE(files.empty());
  if (!crates.empty()) {
    EXPECT_GT(files.size(), 100u);
  }
  size_t items = 0;
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    FileFacts f = ExtractFacts(p.string(), ss.str());
    items += f.items.size();
    ASSERT_EQ(FactsDiff(RoundTrip(f), f), "") << p;
  }
  EXPECT_GT(items, 0u);
  RecordProperty("files", static_cast<int>(files.size()));
  RecordProperty("items", static_cast<int>(items));
}

}  // namespace
}  // namespace aim::model

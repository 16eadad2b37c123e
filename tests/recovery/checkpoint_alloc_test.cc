// Corrupt sizes must be rejected before anything is allocated for them.
// This binary replaces the global operator new/delete to record the largest
// single allocation made while a decode runs.
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "engine/model/facts_codec.h"
#include "gtest/gtest.h"
#include "recovery/checkpoint.h"
#include "recovery/file_input_codec.h"
#include "tests/recovery/checkpoint_testing.h"

namespace {
std::atomic<size_t> g_largest{0};

void* Allocate(size_t n) {
  size_t seen = g_largest.load(std::memory_order_relaxed);
  while (n > seen && !g_largest.compare_exchange_weak(seen, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(size_t n) { return Allocate(n); }
void* operator new[](size_t n) { return Allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  size_t seen = g_largest.load(std::memory_order_relaxed);
  while (n > seen && !g_largest.compare_exchange_weak(seen, n)) {
  }
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace aim::recovery {
namespace {

constexpr size_t kSmall = 1 << 20;  // far above what a small input needs

size_t LargestAllocationDuring(const std::string& bytes) {
  g_largest = 0;
  absl::StatusOr<CheckpointData> got = DecodeCheckpoint(bytes);
  EXPECT_FALSE(got.ok());
  return g_largest.load();
}

TEST(CheckpointAlloc, TrackerSeesLargeAllocations) {
  g_largest = 0;
  std::string s(3 * kSmall, 'x');
  EXPECT_GE(g_largest.load(), 3 * kSmall);
}

TEST(CheckpointAlloc, SizesClaimingATebibyteAllocateNothingLarge) {
  using namespace testing;
  std::string good;
  ASSERT_TRUE(EncodeCheckpoint(SmallData(), &good).ok());
  for (size_t at : {kRawSizeAt, kPackedSizeAt, kFileCountAt}) {
    std::string b = good;
    Set64(b, at, uint64_t{1} << 40);
    FixHeaderCrc(b);
    EXPECT_LT(LargestAllocationDuring(b), kSmall) << at;
  }
  // Within the 4 GiB cap but inconsistent with the zstd frame.
  std::string b = good;
  Set64(b, kRawSizeAt, uint64_t{4} << 30);
  FixHeaderCrc(b);
  EXPECT_LT(LargestAllocationDuring(b), kSmall);
  // Valid CRCs around hand-made zstd frames that declare 4 GiB of content
  // but hold one 128 KiB RLE block: a single-segment frame (its window would
  // be 4 GiB) and one with a 128 KiB window (decoded until it runs dry).
  for (std::string descriptor : {std::string("\xe0"), std::string("\xc0\x38")}) {
    std::string frame = "\x28\xb5\x2f\xfd" + descriptor;  // zstd magic
    frame += std::string("\0\0\0\0\x01\0\0\0", 8);        // 4 GiB
    frame += std::string("\x03\x00\x10", 3);  // last block, RLE, 128 KiB
    frame += 'a';
    std::string forged = good.substr(0, kCheckpointHeaderSize) + frame;
    Set64(forged, kFileCountAt, 0);
    Set64(forged, kRawSizeAt, uint64_t{4} << 30);
    Set64(forged, kPackedSizeAt, frame.size());
    Set32(forged, kPayloadCrcAt, wal::crc32c::Mask(wal::crc32c::Value(frame)));
    FixHeaderCrc(forged);
    g_largest = 0;
    absl::StatusOr<CheckpointData> got = DecodeCheckpoint(forged);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(std::string(got.status().message()).find("zstd"),
              std::string::npos)
        << got.status();
    EXPECT_LT(g_largest.load(), kSmall) << got.status();
  }
}

// A payload of frames (over 4 MiB) whose header claims far more than its
// frames declare: refused while the frames are walked, before the buffer for
// the whole payload is allocated.
TEST(CheckpointAlloc, FramesClaimingMoreAllocateNothingLarge) {
  using namespace testing;
  CheckpointData d;
  d.lsn = 1;
  for (uint64_t i = 0; d.image_storage.size() < (9u << 20); ++i)
    d.image_storage += "fn f" + std::to_string(i * 7919 % 100003) + "() {}\n";
  std::string good;
  ASSERT_TRUE(EncodeCheckpoint(d, &good).ok());
  ASSERT_EQ(Get32(good, kFlagsAt) & 2, 2u);  // frames
  const uint64_t packed = Get64(good, kPackedSizeAt);
  for (uint64_t raw : {packed * 60, Get64(good, kRawSizeAt) + 1}) {
    std::string b = good;
    Set64(b, kRawSizeAt, raw);
    FixHeaderCrc(b);
    EXPECT_LT(LargestAllocationDuring(b), kSmall) << raw;
  }
}

TEST(CheckpointAlloc, HugeCountsInsideThePayloadAllocateNothingLarge) {
  // A sealed payload (valid CRCs) whose file count and first file's item
  // count claim 2^40 elements.
  std::string payload;
  model::coding::PutString(&payload, "/root");
  model::coding::PutVarint64(&payload, 1);
  model::coding::PutVarint64(&payload, 0);
  model::coding::PutVarint64(&payload, uint64_t{1} << 40);
  payload += std::string(4096, '\x01');
  std::string sealed;
  ASSERT_TRUE(internal::SealPayload(payload, 1, 1, &sealed).ok());
  EXPECT_LT(LargestAllocationDuring(sealed), kSmall);

  std::string facts(1, static_cast<char>(model::kFactsFormat));
  model::coding::PutString(&facts, "f");
  model::coding::PutFixed64(&facts, 0);
  model::coding::PutVarint32(&facts, 0);
  model::coding::PutVarint64(&facts, uint64_t{1} << 40);
  facts += std::string(4096, '\0');
  g_largest = 0;
  std::string_view in = facts;
  EXPECT_FALSE(model::DecodeFileFacts(&in).ok());
  EXPECT_LT(g_largest.load(), kSmall);
}

}  // namespace
}  // namespace aim::recovery

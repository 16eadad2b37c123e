// wal/crc32c: standard vectors, hardware vs portable, Extend at every split.
#include "wal/crc32c.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace aim::wal::crc32c {
namespace {

TEST(Crc32c, StandardVectors) {
  EXPECT_EQ(Value("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Value("", 0), 0u);
  // RFC 3720 (iSCSI) B.4.
  std::string buf(32, '\0');
  EXPECT_EQ(Value(buf), 0x8A9136AAu);
  buf.assign(32, '\xff');
  EXPECT_EQ(Value(buf), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(Value(buf), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Value(buf), 0x113FDB5Cu);
}

TEST(Crc32c, BothImplementationsGiveTheStandardVector) {
  EXPECT_EQ(ExtendPortable(0, "123456789", 9), 0xE3069283u);
  if (!HasSse42()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  EXPECT_EQ(ExtendSse42(0, "123456789", 9), 0xE3069283u);
}

TEST(Crc32c, HardwareMatchesPortableOnRandomData) {
  if (!HasSse42()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937_64 rng(1);
  std::vector<char> buf(70000);
  for (char& c : buf) c = static_cast<char>(rng());
  // Every length up to 300 at every alignment 0..15, then some large ones.
  for (size_t align = 0; align < 16; ++align)
    for (size_t n = 0; n <= 300; ++n) {
      uint32_t init = static_cast<uint32_t>(rng());
      ASSERT_EQ(ExtendSse42(init, buf.data() + align, n),
                ExtendPortable(init, buf.data() + align, n))
          << "align " << align << " n " << n;
    }
  for (size_t n : {1023u, 4096u, 65536u, 69983u}) {
    size_t align = rng() % 16;
    EXPECT_EQ(ExtendSse42(0, buf.data() + align, n),
              ExtendPortable(0, buf.data() + align, n))
        << n;
  }
  EXPECT_EQ(Value(buf.data(), buf.size()),
            ExtendPortable(0, buf.data(), buf.size()));
}

TEST(Crc32c, ExtendAtEverySplitPoint) {
  std::mt19937_64 rng(2);
  std::string data(257, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const uint32_t whole = Value(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t a = Value(data.data(), split);
    EXPECT_EQ(Extend(a, data.data() + split, data.size() - split), whole)
        << split;
    EXPECT_EQ(ExtendPortable(ExtendPortable(0, data.data(), split),
                             data.data() + split, data.size() - split),
              whole)
        << split;
  }
  // Byte at a time.
  uint32_t c = 0;
  for (char ch : data) c = Extend(c, &ch, 1);
  EXPECT_EQ(c, whole);
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::string data = "a record of some bytes, long enough to span words";
  const uint32_t crc = Value(data);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    std::string d = data;
    d[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_NE(Value(d), crc) << bit;
  }
}

TEST(Crc32c, Mask) {
  const uint32_t crc = Value("foo", 3);
  EXPECT_NE(Mask(crc), crc);
  EXPECT_NE(Mask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Unmask(Mask(Mask(crc)))), crc);
  for (uint32_t v : {0u, 1u, 0x80000000u, 0xffffffffu, 0xE3069283u})
    EXPECT_EQ(Unmask(Mask(v)), v);
  static_assert(Unmask(Mask(0x12345678u)) == 0x12345678u);
}

}  // namespace
}  // namespace aim::wal::crc32c

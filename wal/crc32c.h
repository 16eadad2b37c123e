// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every
// record and checkpoint on disk. Uses the SSE4.2 `crc32` instruction when the
// CPU has it (checked once, at first use) and a slice-by-8 table otherwise;
// both give bit-identical results.
//
// Conventions follow LevelDB's util/crc32c.h: Value(data, n) is the CRC of
// the bytes; Extend(Value(a), b) == Value(a + b). Thread-safe.
#ifndef AIM_WAL_CRC32C_H_
#define AIM_WAL_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aim::wal::crc32c {

// The CRC32C of a + data[0, n), where init_crc is the CRC32C of a.
uint32_t Extend(uint32_t init_crc, const void* data, size_t n);

// The CRC32C of data[0, n). Value("123456789", 9) == 0xE3069283.
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Value(s.data(), s.size()); }

// A CRC stored next to the data it covers is masked, as LevelDB does:
// computing the CRC of a string that contains embedded CRCs is otherwise
// prone to degenerate results. Unmask(Mask(c)) == c.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline constexpr uint32_t Mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline constexpr uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// The two implementations behind Extend, for tests and benchmarks.
// ExtendSse42 may only be called when HasSse42() is true.
uint32_t ExtendPortable(uint32_t init_crc, const void* data, size_t n);
uint32_t ExtendSse42(uint32_t init_crc, const void* data, size_t n);
bool HasSse42();

}  // namespace aim::wal::crc32c

#endif  // AIM_WAL_CRC32C_H_

// Helpers for the WAL tests: a log on a MemEnv, payload generators, and
// copying a directory between envs so each damage case starts afresh.
#ifndef AIM_TESTS_WAL_LOG_TESTING_H_
#define AIM_TESTS_WAL_LOG_TESTING_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "wal/log.h"
#include "wal/mem_env.h"

namespace aim::wal::testing {

inline constexpr char kDir[] = "/db";
inline constexpr char kWal[] = "/db/wal";

// Incompressible payload of `n` bytes (so sizes on disk are predictable).
inline std::string RandomPayload(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// A compressible payload, like a file's facts.
inline std::string TextPayload(uint64_t i, size_t n) {
  std::string s;
  while (s.size() < n)
    s += "fn item_" + std::to_string(i) + "_" + std::to_string(s.size()) +
         "(x: u32) -> Result<(), Error> { call(x) }\n";
  s.resize(n);
  return s;
}

// One record with a key ("" for none).
inline absl::StatusOr<uint64_t> AppendKeyed(Log& log, std::string_view payload,
                                            std::string_view key) {
  return log.Append(std::span<const std::string_view>(&payload, 1),
                    std::span<const std::string_view>(&key, 1));
}

struct Replayed {
  std::vector<uint64_t> lsns;
  std::vector<std::string> payloads;
};

inline RecordFn Collect(Replayed* out) {
  return [out](uint64_t lsn, std::string_view payload) {
    out->lsns.push_back(lsn);
    out->payloads.emplace_back(payload);
    return absl::OkStatus();
  };
}

// Every file under `dir` (one level) of `from`, copied into a fresh MemEnv.
inline std::map<std::string, std::string> Snapshot(MemEnv& from,
                                                   const std::string& dir) {
  std::map<std::string, std::string> files;
  auto names = from.ListDir(dir);
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return files;
  for (const std::string& n : *names) {
    std::string data;
    if (from.GetContents(dir + "/" + n, &data).ok()) files[n] = data;
  }
  return files;
}

inline void Restore(MemEnv& to, const std::string& dir,
                    const std::map<std::string, std::string>& files) {
  ASSERT_TRUE(to.CreateDir(kDir).ok());
  ASSERT_TRUE(to.CreateDir(dir).ok());
  for (const auto& [name, data] : files) {
    auto f = to.OpenWritable(dir + "/" + name, true);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->WriteAt(0, data).ok());
    ASSERT_TRUE((*f)->Sync().ok());
  }
  ASSERT_TRUE(to.SyncDir(dir).ok());
}

// Segment file names in order.
inline std::vector<std::string> SegmentNames(
    const std::map<std::string, std::string>& files) {
  std::vector<std::string> out;
  for (const auto& [name, data] : files)
    if (name.rfind("wal-", 0) == 0 && name.size() == 28) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace aim::wal::testing

#endif  // AIM_TESTS_WAL_LOG_TESTING_H_

// Byte-level damage to the log, in the manner of LevelDB's log_test:
// truncation at every offset, every bit flipped, sectors zeroed or filled
// with noise, stale records of an older segment generation. Recovery must
// give exactly the longest complete prefix, or refuse; never damaged data.
#include <gtest/gtest.h>

#include "tests/wal/log_testing.h"
#include "wal/format.h"
#include "wal/log.h"

namespace aim::wal {
namespace {

using namespace aim::wal::testing;

struct Layout {
  std::map<std::string, std::string> files;  // wal dir contents
  std::vector<std::string> segments;         // names, in order
  std::vector<std::string> payloads;         // by LSN - 1
  // Per segment: (end offset of the record, LSN), in order.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> records;
  // Per segment: (start offset of the record, LSN).
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> starts;
};

// Writes `n` random records of random sizes, one Append (and sync) each;
// every other one is keyed, so that damage covers keys too.
Layout MakeLog(uint64_t segment_bytes, int n, size_t max_size, uint64_t seed) {
  MemEnv env;
  EXPECT_TRUE(env.CreateDir(kDir).ok());
  LogOptions options;
  options.segment_bytes = segment_bytes;
  Layout out;
  {
    Replayed none;
    auto log = Log::Open(&env, kWal, options, 0, Collect(&none));
    EXPECT_TRUE(log.ok());
    std::mt19937_64 rng(seed);
    for (int i = 0; i < n; ++i) {
      out.payloads.push_back(RandomPayload(rng, 20 + rng() % max_size));
      const std::string key =
          i % 2 ? "src/file_" + std::to_string(i) + ".rs" : "";
      EXPECT_TRUE(AppendKeyed(**log, out.payloads.back(), key).ok());
    }
  }
  out.files = Snapshot(env, kWal);
  out.segments = SegmentNames(out.files);
  for (const std::string& name : out.segments) {
    const std::string& f = out.files[name];
    std::vector<std::pair<uint64_t, uint64_t>> ends, starts;
    uint64_t off = kSegmentHeaderSize;
    while (off + kRecordHeaderSize <= f.size()) {
      RecordHeader h = DecodeRecordHeader(f.data() + off);
      if (h.lsn == 0) break;
      starts.emplace_back(off, h.lsn);
      ends.emplace_back(off + kRecordHeaderSize + h.length, h.lsn);
      off = AlignUp(off + kRecordHeaderSize + h.length);
    }
    out.records.push_back(ends);
    out.starts.push_back(starts);
  }
  return out;
}

struct Outcome {
  bool ok = false;
  absl::Status status;
  Replayed replayed;
};

Outcome Recover(const std::map<std::string, std::string>& files,
                RecoveryMode mode = RecoveryMode::kPointInTime,
                uint64_t segment_bytes = 4096) {
  MemEnv env;
  Restore(env, kWal, files);
  LogOptions options;
  options.segment_bytes = segment_bytes;
  options.recovery = mode;
  Outcome o;
  auto log = Log::Open(&env, kWal, options, 0, Collect(&o.replayed));
  o.ok = log.ok();
  o.status = log.status();
  return o;
}

// The replayed records are the first k sent, intact.
::testing::AssertionResult IsPrefix(const Replayed& r, const Layout& l) {
  if (r.payloads.size() > l.payloads.size())
    return ::testing::AssertionFailure() << "more records than written";
  for (size_t i = 0; i < r.payloads.size(); ++i) {
    if (r.lsns[i] != i + 1)
      return ::testing::AssertionFailure() << "LSN " << r.lsns[i] << " at " << i;
    if (r.payloads[i] != l.payloads[i])
      return ::testing::AssertionFailure() << "record " << i + 1 << " differs";
  }
  return ::testing::AssertionSuccess();
}

size_t RecordsBefore(const Layout& l, size_t seg) {
  size_t n = 0;
  for (size_t i = 0; i < seg; ++i) n += l.records[i].size();
  return n;
}

TEST(LogDamageTest, TruncationAtEveryOffsetGivesTheLongestCompletePrefix) {
  Layout l = MakeLog(4096, 40, 600, 11);
  ASSERT_GE(l.segments.size(), 3u);
  for (size_t si = 0; si < l.segments.size(); ++si) {
    const std::string& name = l.segments[si];
    const std::string& full = l.files[name];
    for (size_t off = 0; off <= full.size(); ++off) {
      std::map<std::string, std::string> files;
      for (size_t j = 0; j < si; ++j) files[l.segments[j]] = l.files[l.segments[j]];
      files[name] = full.substr(0, off);
      size_t expected = RecordsBefore(l, si);
      for (auto [end, lsn] : l.records[si])
        if (end <= off) ++expected;
      Outcome o = Recover(files);
      ASSERT_TRUE(o.ok) << name << " cut at " << off << ": " << o.status;
      ASSERT_EQ(o.replayed.payloads.size(), expected) << name << " cut at " << off;
      ASSERT_TRUE(IsPrefix(o.replayed, l)) << name << " cut at " << off;
    }
  }
}

TEST(LogDamageTest, AppendingAfterATruncatedTailContinuesTheLog) {
  Layout l = MakeLog(4096, 24, 600, 12);
  const size_t si = l.segments.size() - 1;
  const std::string& name = l.segments[si];
  for (size_t off = 1; off < l.records[si].back().first; off += 37) {
    MemEnv env;
    auto files = l.files;
    files[name] = files[name].substr(0, off);
    Restore(env, kWal, files);
    LogOptions options;
    options.segment_bytes = 4096;
    Replayed first;
    size_t kept;
    {
      auto log = Log::Open(&env, kWal, options, 0, Collect(&first));
      ASSERT_TRUE(log.ok()) << log.status();
      kept = first.lsns.size();
      auto lsn = (*log)->Append("after the cut");
      ASSERT_TRUE(lsn.ok()) << lsn.status();
      EXPECT_EQ(*lsn, kept + 1);
    }
    Replayed again;
    auto log = Log::Open(&env, kWal, options, 0, Collect(&again));
    ASSERT_TRUE(log.ok()) << "cut at " << off << ": " << log.status();
    ASSERT_EQ(again.lsns.size(), kept + 1) << "cut at " << off;
    EXPECT_EQ(again.payloads.back(), "after the cut");
  }
}

TEST(LogDamageTest, EveryBitFlipOfA16KiBLogIsRefusedOrCutToAPrefix) {
  Layout l = MakeLog(8192, 40, 500, 13);
  ASSERT_EQ(l.segments.size(), 2u) << "want two 8 KiB segments";
  const size_t in_first = l.records[0].size();
  size_t refused = 0, truncated = 0, intact = 0;
  for (size_t si = 0; si < 2; ++si) {
    const std::string& name = l.segments[si];
    for (size_t byte = 0; byte < l.files[name].size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        auto files = l.files;
        files[name][byte] ^= static_cast<char>(1 << bit);
        Outcome o = Recover(files, RecoveryMode::kPointInTime, 8192);
        if (!o.ok) {
          ++refused;
          ASSERT_EQ(o.status.code(), absl::StatusCode::kDataLoss) << o.status;
          continue;
        }
        ASSERT_TRUE(IsPrefix(o.replayed, l)) << name << " byte " << byte;
        if (o.replayed.payloads.size() == l.payloads.size()) {
          ++intact;  // the flip hit padding or the zeroed tail
        } else {
          ++truncated;
          // Only the last segment's tail may be cut.
          ASSERT_GE(o.replayed.payloads.size(), in_first)
              << name << " byte " << byte << " bit " << bit;
        }
      }
    }
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(truncated, 0u);
  std::cout << "bit flips: refused " << refused << ", cut to a prefix "
            << truncated << ", all records intact " << intact << "\n";
}

// Damage to whole sectors: zeros, or noise.
void SectorSweep(size_t sector, bool noise) {
  Layout l = MakeLog(8192, 80, 500, 14);
  ASSERT_GE(l.segments.size(), 3u);
  std::mt19937_64 rng(99);
  for (size_t si : {size_t{1}, l.segments.size() - 1}) {
    const bool last = si + 1 == l.segments.size();
    const std::string& name = l.segments[si];
    for (size_t at = 0; at < l.files[name].size(); at += sector) {
      auto files = l.files;
      std::string& f = files[name];
      const size_t n = std::min(sector, f.size() - at);
      std::string fill = noise ? RandomPayload(rng, n) : std::string(n, '\0');
      if (f.compare(at, n, fill) == 0) continue;  // nothing changed
      f.replace(at, n, fill);
      Outcome o = Recover(files, RecoveryMode::kPointInTime, 8192);
      const std::string where = name + " sector at " + std::to_string(at);
      if (!o.ok) {
        ASSERT_EQ(o.status.code(), absl::StatusCode::kDataLoss) << where;
        continue;
      }
      ASSERT_TRUE(IsPrefix(o.replayed, l)) << where;
      ASSERT_TRUE(last) << where << ": damage to a middle segment accepted";
      // Records that end before the damaged sector are all kept.
      size_t before = RecordsBefore(l, si);
      for (auto [end, lsn] : l.records[si])
        if (end <= at) ++before;
      ASSERT_GE(o.replayed.payloads.size(), before) << where;
      // A record wholly after the damage was written after an fsync that
      // covered the damaged one: accepting a cut there would lose it.
      bool later_intact = false;
      for (auto [start, lsn] : l.starts[si])
        if (start >= at + n) later_intact = true;
      if (o.replayed.payloads.size() < l.payloads.size()) {
        ASSERT_FALSE(later_intact) << where << ": acknowledged records dropped";
      }
    }
  }
}

TEST(LogDamageTest, ZeroedSectorsOf512) { SectorSweep(512, false); }
TEST(LogDamageTest, ZeroedSectorsOf4K) { SectorSweep(4096, false); }
TEST(LogDamageTest, NoiseSectorsOf512) { SectorSweep(512, true); }
TEST(LogDamageTest, NoiseSectorsOf4K) { SectorSweep(4096, true); }

TEST(LogDamageTest, StaleRecordsOfAnOlderSegmentGenerationAreNeverReplayed) {
  // An older log wrote 30 records into segment 1; a newer one reused the
  // name and wrote 3 before dying. The old bytes after them are stale.
  Layout old_log = MakeLog(1 << 16, 30, 300, 21);
  Layout new_log = MakeLog(1 << 16, 3, 300, 22);
  const std::string name = new_log.segments[0];
  auto files = new_log.files;
  const uint64_t end = new_log.records[0].back().first;
  std::string& f = files[name];
  const std::string& stale = old_log.files.at(old_log.segments[0]);
  f.replace(AlignUp(end), stale.size() - AlignUp(end), stale.substr(AlignUp(end)));
  Outcome o = Recover(files, RecoveryMode::kPointInTime, 1 << 16);
  ASSERT_TRUE(o.ok) << o.status;
  EXPECT_EQ(o.replayed.payloads, new_log.payloads);
  // Strict mode calls the stale bytes what they are: not a clean end.
  EXPECT_FALSE(Recover(files, RecoveryMode::kStrict, 1 << 16).ok);
}

TEST(LogDamageTest, StrictRefusesATornTailPointInTimeCutsIt) {
  Layout l = MakeLog(1 << 16, 10, 300, 23);
  auto files = l.files;
  const std::string name = l.segments[0];
  files[name].resize(l.records[0].back().first - 5);  // cut the last record
  EXPECT_FALSE(Recover(files, RecoveryMode::kStrict, 1 << 16).ok);
  Outcome o = Recover(files, RecoveryMode::kPointInTime, 1 << 16);
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.replayed.payloads.size(), 9u);
}

TEST(LogDamageTest, SalvageKeepsWhatVerifiesAndMovesTheRestAside) {
  Layout l = MakeLog(4096, 30, 600, 24);
  ASSERT_GE(l.segments.size(), 3u);
  auto files = l.files;
  const std::string& mid = l.segments[1];
  const uint64_t hit = l.starts[1][1].first + 40;  // inside its second record
  files[mid][hit] ^= 0x55;
  EXPECT_FALSE(Recover(files).ok);  // point-in-time refuses

  MemEnv env;
  Restore(env, kWal, files);
  LogOptions options;
  options.segment_bytes = 4096;
  options.recovery = RecoveryMode::kSalvage;
  Replayed r;
  OpenReport report;
  {
    auto log = Log::Open(&env, kWal, options, 0, Collect(&r), &report);
    ASSERT_TRUE(log.ok()) << log.status();
    const size_t kept = RecordsBefore(l, 1) + 1;
    ASSERT_EQ(r.payloads.size(), kept);
    EXPECT_TRUE(IsPrefix(r, l));
    EXPECT_TRUE(report.scan.cut);
    EXPECT_FALSE(report.moved.empty());
    auto lsn = (*log)->Append("after salvage");
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    EXPECT_EQ(*lsn, kept + 1);
  }
  auto lost = env.ListDir(std::string(kWal) + "/lost");
  ASSERT_TRUE(lost.ok());
  EXPECT_EQ(lost->size(), l.segments.size() - 2 + 1);  // later files + the rest
  // The salvaged log now opens cleanly in the default mode.
  options.recovery = RecoveryMode::kPointInTime;
  Replayed again;
  auto log = Log::Open(&env, kWal, options, 0, Collect(&again));
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(again.payloads.back(), "after salvage");
}

TEST(LogDamageTest, AMissingMiddleSegmentIsRefused) {
  Layout l = MakeLog(4096, 30, 600, 25);
  ASSERT_GE(l.segments.size(), 3u);
  auto files = l.files;
  files.erase(l.segments[1]);
  Outcome o = Recover(files);
  ASSERT_FALSE(o.ok);
  EXPECT_NE(o.status.message().find("LSN"), absl::string_view::npos) << o.status;
}

TEST(LogDamageTest, ErrorsNameTheFileOffsetAndLsn) {
  Layout l = MakeLog(4096, 30, 600, 26);
  auto files = l.files;
  const std::string& first = l.segments[0];
  const uint64_t at = l.starts[0][2].first;
  files[first][at + 40] ^= 1;
  Outcome o = Recover(files);
  ASSERT_FALSE(o.ok);
  const std::string msg(o.status.message());
  EXPECT_NE(msg.find(first), std::string::npos) << msg;
  EXPECT_NE(msg.find("offset " + std::to_string(at)), std::string::npos) << msg;
  EXPECT_NE(msg.find("LSN 3"), std::string::npos) << msg;
}

}  // namespace
}  // namespace aim::wal

// The WAL writer and reader: round trips, segment rolls, modes, group
// commit, fail-stop on I/O errors. Byte-level damage is in
// log_damage_test.cc.
#include "wal/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "fault_injection/fault_env.h"
#include "tests/wal/log_testing.h"
#include "wal/format.h"
#include "wal/log_reader.h"

namespace aim::wal {
namespace {

using namespace aim::wal::testing;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir(kDir).ok());
    options_.segment_bytes = 64 << 10;  // MemEnv copies whole files on sync
  }

  std::unique_ptr<Log> Open(Replayed* r = nullptr, uint64_t after = 0,
                            Env* env = nullptr) {
    Replayed ignore;
    auto log = Log::Open(env ? env : &env_, kWal, options_, after,
                         Collect(r ? r : &ignore));
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }

  MemEnv env_;
  LogOptions options_;
};

TEST_F(LogTest, EmptyLogOpensAndStartsAtOne) {
  Replayed r;
  auto log = Open(&r);
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(r.lsns.empty());
  auto lsn = log->Append("first");
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(*lsn, 1u);
}

TEST_F(LogTest, RecordsComeBackInOrderAfterReopen) {
  std::vector<std::string> sent;
  {
    auto log = Open();
    for (uint64_t i = 0; i < 200; ++i) {
      sent.push_back(TextPayload(i, 10 + i * 37 % 3000));
      auto lsn = log->Append(sent.back());
      ASSERT_TRUE(lsn.ok()) << lsn.status();
      EXPECT_EQ(*lsn, i + 1);
    }
    EXPECT_EQ(log->stats().durable_lsn, 200u);
  }
  Replayed r;
  auto log = Open(&r);
  ASSERT_EQ(r.payloads.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(r.lsns[i], i + 1);
    EXPECT_EQ(r.payloads[i], sent[i]) << i;
  }
  auto lsn = log->Append("after reopen");
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, 201u);
}

TEST_F(LogTest, CompressibleRecordsAreCompressed) {
  auto log = Open();
  ASSERT_TRUE(log->Append(TextPayload(1, 20000)).ok());
  EXPECT_LT(log->stats().bytes, 20000u / 4);
}

// Keys are stored beside the bodies as they are: a scan hands each record's
// key and its body still packed, and unpacking gives the payload back.
TEST_F(LogTest, KeyedRecordsComeBackWithTheirKeysAndPayloads) {
  std::vector<std::string> payloads, keys;
  {
    auto log = Open();
    std::mt19937_64 rng(5);
    for (int i = 0; i < 40; ++i) {
      payloads.push_back(i % 3 ? TextPayload(i, 100 + 50 * i)
                               : RandomPayload(rng, 30 + i));
      keys.push_back(i % 4 == 0 ? "" : "src/f" + std::to_string(i % 7) + ".rs");
    }
    keys[5] = std::string(kMaxKeyLength, 'k');
    std::vector<std::string_view> p(payloads.begin(), payloads.end());
    std::vector<std::string_view> k(keys.begin(), keys.end());
    auto lsn = log->Append(std::span(p).first(20), std::span(k).first(20));
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    for (size_t i = 20; i < 40; ++i)
      ASSERT_TRUE(AppendKeyed(*log, p[i], k[i]).ok());
  }
  std::vector<std::string> got_keys, got_payloads;
  bool packed_text = false;
  auto scan = ScanLog(&env_, kWal, RecoveryMode::kStrict, 0,
                      RecordVisitor([&](const RecordView& r) {
                        got_keys.emplace_back(r.key);
                        packed_text = packed_text || r.body.zstd;
                        std::string out;
                        if (absl::Status s = UnpackPayload(r.body, &out);
                            !s.ok())
                          return s;
                        got_payloads.push_back(std::move(out));
                        return absl::OkStatus();
                      }));
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_EQ(got_keys, keys);
  EXPECT_EQ(got_payloads, payloads);
  EXPECT_TRUE(packed_text);
  Replayed r;
  auto log = Open(&r);  // the plain callback sees the payloads alone
  EXPECT_EQ(r.payloads, payloads);
}

TEST_F(LogTest, KeysAreCheckedOnAppend) {
  auto log = Open();
  const std::string_view payload = "x";
  const std::string long_key(kMaxKeyLength + 1, 'k');
  auto lsn = AppendKeyed(*log, payload, long_key);
  EXPECT_EQ(lsn.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string_view two[] = {"a", "b"};
  lsn = log->Append(std::span<const std::string_view>(&payload, 1), two);
  EXPECT_EQ(lsn.status().code(), absl::StatusCode::kInvalidArgument);
  lsn = log->Append(payload);
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(*lsn, 1u);  // nothing was written by the refused calls
}

// Rewrites the header of segment `name` as a version-1 one.
void MakeVersionOne(MemEnv& env, const std::string& name) {
  std::string bytes;
  ASSERT_TRUE(env.GetContents(std::string(kWal) + "/" + name, &bytes).ok());
  SegmentHeader h;
  std::string why;
  ASSERT_TRUE(DecodeSegmentHeader(bytes, &h, &why)) << why;
  h.version = 1;
  bytes.replace(0, kSegmentHeaderSize, EncodeSegmentHeader(h));
  ASSERT_TRUE(env.SetContents(std::string(kWal) + "/" + name, bytes).ok());
}

// Logs written before keys existed (segment version 1) are read as they
// were; this build continues them in a new segment, whose records may be
// keyed. A keyed record in a version-1 segment is damage.
TEST_F(LogTest, VersionOneSegmentsAreReadAndContinuedInANewOne) {
  std::vector<std::string> sent;
  {
    auto log = Open();
    for (int i = 0; i < 5; ++i) {
      sent.push_back("old " + std::to_string(i));
      ASSERT_TRUE(log->Append(sent.back()).ok());
    }
  }
  ASSERT_EQ(SegmentNames(Snapshot(env_, kWal)).size(), 1u);
  MakeVersionOne(env_, SegmentNames(Snapshot(env_, kWal))[0]);
  {
    Replayed r;
    auto log = Open(&r);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(r.payloads, sent);
    sent.push_back("new");
    auto lsn = AppendKeyed(*log, sent.back(), "src/a.rs");
    ASSERT_TRUE(lsn.ok()) << lsn.status();
    EXPECT_EQ(*lsn, 6u);
  }
  EXPECT_EQ(SegmentNames(Snapshot(env_, kWal)).size(), 2u);
  Replayed r;
  auto log = Open(&r);
  EXPECT_EQ(r.payloads, sent);

  // A version-1 segment holding a keyed record (written by hand).
  MemEnv other;
  ASSERT_TRUE(other.CreateDir(kDir).ok());
  {
    Replayed none;
    auto keyed = Log::Open(&other, kWal, options_, 0, Collect(&none));
    ASSERT_TRUE(keyed.ok());
    ASSERT_TRUE(AppendKeyed(**keyed, "payload", "src/a.rs").ok());
    ASSERT_TRUE(AppendKeyed(**keyed, "payload", "src/a.rs").ok());
  }
  MakeVersionOne(other, SegmentNames(Snapshot(other, kWal))[0]);
  Replayed none;
  auto scan = ScanLog(&other, kWal, RecoveryMode::kStrict, 0, Collect(&none));
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(scan.status().message().find("unknown flags"), std::string::npos)
      << scan.status();
}

TEST_F(LogTest, AppendOfManyIsOneGroupWithConsecutiveLsns) {
  auto log = Open();
  std::vector<std::string> payloads = {"a", "bb", "ccc"};
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  auto lsn = log->Append(views);
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, 3u);
  EXPECT_EQ(log->stats().groups, 1u);
  EXPECT_EQ(log->stats().syncs, 1u);
}

TEST_F(LogTest, RollsSegmentsAndReadsAcrossThem) {
  options_.segment_bytes = 4096;
  std::mt19937_64 rng(7);
  std::vector<std::string> sent;
  {
    auto log = Open();
    for (int i = 0; i < 60; ++i) {
      sent.push_back(RandomPayload(rng, 100 + rng() % 900));
      ASSERT_TRUE(log->Append(sent.back()).ok());
    }
    EXPECT_GT(log->stats().segments, 5u);
  }
  Replayed r;
  auto log = Open(&r);
  ASSERT_EQ(r.payloads, sent);
  auto names = env_.ListDir(kWal);
  ASSERT_TRUE(names.ok());
  for (const std::string& n : *names) EXPECT_EQ(n.find(".tmp"), std::string::npos);
}

TEST_F(LogTest, RecordLargerThanASegmentStillFits) {
  options_.segment_bytes = 4096;
  std::mt19937_64 rng(1);
  std::string big = RandomPayload(rng, 10000);
  {
    auto log = Open();
    ASSERT_TRUE(log->Append("small").ok());
    ASSERT_TRUE(log->Append(big).ok());
    ASSERT_TRUE(log->Append("small again").ok());
  }
  Replayed r;
  Open(&r);
  ASSERT_EQ(r.payloads.size(), 3u);
  EXPECT_EQ(r.payloads[1], big);
}

TEST_F(LogTest, ReplaySkipsWhatTheCheckpointHolds) {
  {
    auto log = Open();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(std::to_string(i)).ok());
  }
  Replayed r;
  auto log = Open(&r, /*after=*/6);
  EXPECT_EQ(r.lsns, (std::vector<uint64_t>{7, 8, 9, 10}));
}

TEST_F(LogTest, DropThroughDeletesWholeOldSegmentsOnly) {
  options_.segment_bytes = 4096;
  std::mt19937_64 rng(3);
  auto log = Open();
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(log->Append(RandomPayload(rng, 700)).ok());
  const size_t before = log->stats().segments;
  ASSERT_TRUE(log->DropThrough(20).ok());
  const size_t after = log->stats().segments;
  EXPECT_LT(after, before);
  log.reset();
  Replayed r;
  log = Open(&r, 20);
  ASSERT_FALSE(r.lsns.empty());
  EXPECT_EQ(r.lsns.front(), 21u);
  EXPECT_EQ(r.lsns.back(), 40u);
  // Without the checkpoint the log no longer reaches back to LSN 1.
  log.reset();
  auto refused = Log::Open(&env_, kWal, options_, 0, Collect(&r));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(LogTest, SkipToContinuesAfterACheckpointWithoutRecords) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append("one").ok());
    ASSERT_TRUE(log->SkipTo(10).ok());
    auto lsn = log->Append("eleven");
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(*lsn, 11u);
  }
  Replayed r;
  auto log = Open(&r, 10);
  EXPECT_EQ(r.lsns, (std::vector<uint64_t>{11}));
  // A reader that holds less than LSN 10 sees the gap as missing records.
  log.reset();
  auto refused = Log::Open(&env_, kWal, options_, 5, Collect(&r));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(LogTest, ConcurrentWritersAllGetDistinctDurableLsns) {
  for (Durability mode : {Durability::kSync, Durability::kBatch, Durability::kNone}) {
    MemEnv env;
    ASSERT_TRUE(env.CreateDir(kDir).ok());
    options_.durability = mode;
    auto log = Open(nullptr, 0, &env);
    constexpr int kThreads = 4, kEach = 100;
    std::vector<std::vector<uint64_t>> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          auto lsn = log->Append("t" + std::to_string(t) + "/" + std::to_string(i));
          ASSERT_TRUE(lsn.ok());
          got[t].push_back(*lsn);
        }
      });
    for (auto& th : threads) th.join();
    std::vector<uint64_t> all;
    for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), size_t{kThreads * kEach});
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
    LogStats st = log->stats();
    if (mode == Durability::kSync) {
      EXPECT_GE(st.syncs, st.records);
    }
    if (mode != Durability::kNone) {
      EXPECT_EQ(st.durable_lsn, all.size());
    }
    log.reset();
    Replayed r;
    Open(&r, 0, &env);
    EXPECT_EQ(r.lsns.size(), all.size());
  }
}

TEST_F(LogTest, NoneModeSurvivesAProcessCrashButNotAPowerCut) {
  options_.durability = Durability::kNone;
  {
    auto log = Open();
    ASSERT_TRUE(log->Append("kept by the OS").ok());
    // Nothing synced it; the MemEnv keeps what was written (as the OS
    // would for a killed process) since there is no power cut.
  }
  Replayed r;
  ASSERT_NE(Open(&r), nullptr);
  EXPECT_EQ(r.lsns.size(), 1u);
}

TEST_F(LogTest, PowerCutKeepsEveryAcknowledgedRecordInBatchMode) {
  std::vector<std::string> acked;
  auto log = Open();
  for (int i = 0; i < 30; ++i) {
    acked.push_back(TextPayload(i, 300));
    ASSERT_TRUE(log->Append(acked.back()).ok());
  }
  env_.PowerCut(MemEnv::PowerCutMode::kDropRandom, 42);
  log.reset();  // (syncs nothing more: the power cut came first)
  Replayed r;
  ASSERT_NE(Open(&r), nullptr);
  EXPECT_EQ(r.payloads, acked);
}

// ---- fail-stop

class LogFaultTest : public LogTest {
 protected:
  fault::FaultEnv faulty_{&env_};
};

TEST_F(LogFaultTest, SyncErrorIsFailStopAndNeverAcknowledged) {
  auto log = Open(nullptr, 0, &faulty_);
  ASSERT_TRUE(log->Append("acked").ok());
  faulty_.Arm({.kinds = fault::kOpSync, .nth = 1, .err = EIO});
  auto lsn = log->Append("not acked");
  ASSERT_FALSE(lsn.ok());
  EXPECT_NE(lsn.status().message().find("fdatasync"), absl::string_view::npos);
  // The next sync would "succeed" (the kernel forgot the error): the log
  // must not believe it.
  auto again = log->Append("still refused");
  EXPECT_FALSE(again.ok());
  EXPECT_FALSE(log->health().ok());
  EXPECT_FALSE(log->Sync().ok());
  log.reset();
  env_.PowerCut(MemEnv::PowerCutMode::kDropUnsynced);
  Replayed r;
  ASSERT_NE(Open(&r), nullptr);
  ASSERT_GE(r.payloads.size(), 1u);
  EXPECT_EQ(r.payloads[0], "acked");
}

// Many writers in groups when a sync fails: every caller returns (none is
// left waiting), those of the failed group and after get the error, and
// what was acknowledged survives a power cut.
TEST_F(LogFaultTest, SyncErrorAmongConcurrentWritersReachesEveryWaiter) {
  for (Durability mode : {Durability::kSync, Durability::kBatch}) {
    SCOPED_TRACE(static_cast<int>(mode));
    MemEnv env;
    ASSERT_TRUE(env.CreateDir(kDir).ok());
    fault::FaultEnv faulty(&env);
    options_.durability = mode;
    auto log = Open(nullptr, 0, &faulty);
    ASSERT_NE(log, nullptr);
    faulty.Arm({.kinds = fault::kOpSync, .nth = 5, .err = EIO});
    constexpr int kThreads = 8, kEach = 40;
    std::vector<std::vector<uint64_t>> acked(kThreads);
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          auto lsn = log->Append("t" + std::to_string(t) + "/" + std::to_string(i));
          if (lsn.ok()) {
            acked[t].push_back(*lsn);
          } else {
            ++failed;
          }
        }
      });
    for (auto& th : threads) th.join();
    EXPECT_GT(failed.load(), 0);
    EXPECT_FALSE(log->health().ok());
    uint64_t last_acked = 0;
    size_t n_acked = 0;
    for (const auto& v : acked) {
      n_acked += v.size();
      for (uint64_t l : v) last_acked = std::max(last_acked, l);
    }
    EXPECT_EQ(n_acked + failed.load(), size_t{kThreads * kEach});
    log.reset();
    env.PowerCut(MemEnv::PowerCutMode::kDropUnsynced);
    Replayed r;
    ASSERT_NE(Open(&r, 0, &env), nullptr);
    EXPECT_GE(r.lsns.size(), n_acked);
    if (n_acked > 0) {
      EXPECT_GE(r.lsns.back(), last_acked);
    }
  }
}

TEST_F(LogFaultTest, EnospcOnWriteIsAClearErrorAndLosesNothing) {
  auto log = Open(nullptr, 0, &faulty_);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->Append(std::to_string(i)).ok());
  faulty_.Arm({.kinds = fault::kOpWrite, .nth = 1, .err = ENOSPC});
  auto lsn = log->Append("no room");
  ASSERT_FALSE(lsn.ok());
  EXPECT_EQ(lsn.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(lsn.status().message().find("disk is full"), absl::string_view::npos);
  log.reset();
  Replayed r;
  ASSERT_NE(Open(&r), nullptr);  // the half-written record is a torn tail
  EXPECT_EQ(r.lsns, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(LogFaultTest, EnospcDuringSegmentRoll) {
  options_.segment_bytes = 4096;
  auto log = Open(nullptr, 0, &faulty_);
  std::mt19937_64 rng(5);
  uint64_t acked = 0;
  faulty_.Arm({.kinds = fault::kOpAllocate, .nth = 2, .err = ENOSPC});
  absl::Status failure;
  for (int i = 0; i < 40 && failure.ok(); ++i) {
    auto lsn = log->Append(RandomPayload(rng, 900));
    if (lsn.ok()) acked = *lsn;
    else failure = lsn.status();
  }
  ASSERT_FALSE(failure.ok());
  EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted);
  log.reset();
  Replayed r;
  ASSERT_NE(Open(&r), nullptr);
  EXPECT_EQ(r.lsns.size(), acked);
  auto names = env_.ListDir(kWal);
  for (const std::string& n : *names) EXPECT_EQ(n.find(".tmp"), std::string::npos);
}

TEST_F(LogFaultTest, FailedSegmentRenameIsFailStop) {
  options_.segment_bytes = 4096;
  auto log = Open(nullptr, 0, &faulty_);
  ASSERT_TRUE(log->Append("one").ok());
  faulty_.Arm({.kinds = fault::kOpRename, .nth = 1, .err = EIO});
  std::mt19937_64 rng(9);
  absl::Status failure;
  uint64_t acked = 1;
  for (int i = 0; i < 20 && failure.ok(); ++i) {
    auto lsn = log->Append(RandomPayload(rng, 900));
    if (lsn.ok()) acked = *lsn;
    else failure = lsn.status();
  }
  ASSERT_FALSE(failure.ok());
  log.reset();
  Replayed r;
  ASSERT_NE(Open(&r), nullptr);
  EXPECT_EQ(r.lsns.size(), acked);
}

// A fresh, empty directory under the system's temporary directory.
std::filesystem::path FreshTempDir(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(LogPosixTest, RoundTripOnTheRealFileSystem) {
  namespace fs = std::filesystem;
  const fs::path dir = FreshTempDir("aim_log_test");
  LogOptions options;
  options.segment_bytes = 64 << 10;
  {
    Replayed r;
    auto log = Log::Open(Env::Default(), (dir / "wal").string(), options, 0,
                         Collect(&r));
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE((*log)->Append(TextPayload(i, 2000)).ok());
  }
  Replayed r;
  auto log = Log::Open(Env::Default(), (dir / "wal").string(), options, 0,
                       Collect(&r));
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(r.lsns.size(), 100u);
  EXPECT_EQ(r.payloads[99], TextPayload(99, 2000));
  log->reset();
  fs::remove_all(dir);
}

// A preallocated segment is read up to its data (DataEnd), not its size;
// data written past a run of zeros is still found (and, with no record
// claiming it was synced, cut off as a torn tail).
TEST(LogPosixTest, ReadWholeHoldsTheFileMappedOrRead) {
  // The POSIX Env maps the file; the in-memory Env reads it. Both hold the
  // first n bytes (fewer at the end of the file) for as long as they live,
  // even after the file is replaced by a rename (as a checkpoint is).
  namespace fs = std::filesystem;
  const fs::path dir = FreshTempDir("aim_read_whole");
  std::string content;
  for (uint64_t i = 0; content.size() < (3 << 20) + 7; ++i)
    content += std::to_string(i * 7919) + ",";
  MemEnv mem;
  ASSERT_TRUE(mem.CreateDir("/d").ok());
  for (Env* env : {Env::Default(), static_cast<Env*>(&mem)}) {
    const std::string d = env == &mem ? "/d" : dir.string();
    const std::string path = JoinPath(d, "file");
    ASSERT_TRUE(env->WriteFileAtomically(path, content).ok());
    auto f = env->OpenReadable(path);
    ASSERT_TRUE(f.ok()) << f.status();
    auto all = (*f)->ReadWhole(content.size() + 100);
    ASSERT_TRUE(all.ok()) << all.status();
    auto head = (*f)->ReadWhole(1000);
    ASSERT_TRUE(head.ok()) << head.status();
    ASSERT_TRUE(env->WriteFileAtomically(path, "replaced").ok());
    EXPECT_TRUE((*all)->view() == content);
    EXPECT_EQ((*head)->view(), std::string_view(content).substr(0, 1000));
    ASSERT_TRUE(env->WriteFileAtomically(path, "").ok());
    auto empty = env->OpenReadable(path);
    ASSERT_TRUE(empty.ok());
    auto none = (*empty)->ReadWhole(10);
    ASSERT_TRUE(none.ok()) << none.status();
    EXPECT_TRUE((*none)->view().empty());
  }
  fs::remove_all(dir);
}

TEST(LogPosixTest, PreallocatedTailIsNotReadButLaterDataIsSeen) {
  namespace fs = std::filesystem;
  const fs::path dir = FreshTempDir("aim_log_prealloc");
  const std::string wal = (dir / "wal").string();
  LogOptions options;
  options.segment_bytes = 4 << 20;
  {
    Replayed none;
    auto log = Log::Open(Env::Default(), wal, options, 0, Collect(&none));
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE((*log)->Append(TextPayload(i, 2000)).ok());
  }
  std::string seg;
  for (const auto& e : fs::directory_iterator(wal)) seg = e.path().string();
  ASSERT_FALSE(seg.empty());
  Env* env = Env::Default();
  std::string whole, data;
  uint64_t size = 0;
  // Data first: reading the whole file brings the unwritten tail into the
  // page cache, and then ext4 reports it as data.
  ASSERT_TRUE(env->ReadFileData(seg, &data, &size).ok());
  ASSERT_TRUE(env->ReadFile(seg, &whole).ok());
  EXPECT_EQ(size, whole.size());
  EXPECT_EQ(size, options.segment_bytes);
  ASSERT_LE(data.size(), whole.size());
  EXPECT_EQ(data, whole.substr(0, data.size()));
  EXPECT_EQ(whole.find_first_not_of('\0', data.size()), std::string::npos);
  // 20 records of ~2 KB: with SEEK_HOLE (ext4, xfs, tmpfs) far less than
  // the 4 MiB is read; a file system without it reads it all.
  std::printf("segment of %zu bytes, %zu read\n", whole.size(), data.size());

  // Reopen, append more after the data, reopen: all of it comes back.
  {
    Replayed r;
    auto log = Log::Open(env, wal, options, 0, Collect(&r));
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ(r.lsns.size(), 20u);
    for (int i = 20; i < 30; ++i) ASSERT_TRUE((*log)->Append(TextPayload(i, 2000)).ok());
  }
  {
    Replayed r;
    auto log = Log::Open(env, wal, options, 0, Collect(&r));
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_EQ(r.lsns.size(), 30u);
    EXPECT_EQ(r.payloads[29], TextPayload(29, 2000));
  }
  // Junk far beyond the data (a new data extent after unwritten space).
  {
    std::FILE* f = std::fopen(seg.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 3 << 20, SEEK_SET);
    std::fputs("junk", f);
    std::fclose(f);
  }
  OpenReport report;
  Replayed r;
  auto log = Log::Open(env, wal, options, 0, Collect(&r), &report);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(r.lsns.size(), 30u);
  EXPECT_TRUE(report.scan.torn) << "the junk was not seen";
  EXPECT_TRUE(report.zeroed_tail);
  log->reset();
  ASSERT_TRUE(env->ReadFile(seg, &whole).ok());
  EXPECT_EQ(whole.find("junk"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aim::wal

// Durability through the embedded API: file updates become WAL records,
// reopening replays them, a power cut loses nothing acknowledged, a failed
// write stops writes but not queries, checkpoints run in the background.
#include <gtest/gtest.h>

#include <random>

#include "aim/engine.h"
#include "fault_injection/fault_env.h"
#include "wal/mem_env.h"

namespace {

const std::string kWorkspace =
    std::string(AIM_SOURCE_DIR) + "/tests/fixtures/workspace";
constexpr char kDb[] = "/db";

std::string Source(int i, int variant) {
  return "use crate::m0::shared;\n"
         "pub struct S" + std::to_string(i) + ";\n"
         "pub trait T" + std::to_string(variant % 3) + " { fn go(&self); }\n"
         "impl T" + std::to_string(variant % 3) + " for S" + std::to_string(i) +
         " { fn go(&self) { shared(); } }\n"
         "pub fn f" + std::to_string(i) + "_" + std::to_string(variant) +
         "() { shared(); crate::f" + std::to_string((i + 1) % 6) + "_0(); }\n";
}

std::string PathOf(int i) { return "src/m" + std::to_string(i) + ".rs"; }

class DurabilityTest : public ::testing::Test {
 protected:
  std::unique_ptr<aim::Engine> Open(aim::wal::Env* env = nullptr,
                                    aim::Durability d = aim::Durability::kBatch) {
    aim::Options o;
    o.db_dir = kDb;
    o.env = env ? env : &mem_;
    o.durability = d;
    o.wal_segment_bytes = 64 << 10;
    o.checkpoint_wal_bytes = checkpoint_bytes_;
    auto e = aim::Engine::Open(o);
    EXPECT_TRUE(e.ok()) << e.status();
    return e.ok() ? std::move(*e) : nullptr;
  }

  // The same edits applied to `e` and to an in-memory engine.
  void Edits(aim::Engine& e, aim::Engine& model, int n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (int k = 0; k < n; ++k) {
      const int i = static_cast<int>(rng() % 6);
      if (rng() % 6 == 0) {
        auto a = e.RemoveFile(PathOf(i));
        auto b = model.RemoveFile(PathOf(i));
        ASSERT_EQ(a.ok(), b.ok());
        continue;
      }
      const std::string src = Source(i, static_cast<int>(rng() % 5));
      auto lsn = e.UpdateFile(PathOf(i), src);
      ASSERT_TRUE(lsn.ok()) << lsn.status();
      ASSERT_TRUE(model.UpdateFile(PathOf(i), src).ok());
    }
  }

  static std::unique_ptr<aim::Engine> Model() {
    auto e = aim::Engine::Open(aim::Options{});
    EXPECT_TRUE(e.ok());
    return std::move(*e);
  }

  aim::wal::MemEnv mem_;
  uint64_t checkpoint_bytes_ = 0;
};

TEST_F(DurabilityTest, UpdatesSurviveReopenWithTheSameDigestAndVersion) {
  auto model = Model();
  uint64_t version, digest;
  {
    auto e = Open();
    Edits(*e, *model, 60, 1);
    version = e->Stats().version;
    digest = e->Digest();
    EXPECT_EQ(digest, model->Digest());
    EXPECT_GT(e->Stats().wal_bytes, 0u);
  }
  auto e = Open();
  EXPECT_EQ(e->Stats().version, version);
  EXPECT_EQ(e->Digest(), digest);
  EXPECT_GT(e->Stats().replayed, 0u);
  auto r = e->Query({.kind = "search", .args = {"shared"}});
  ASSERT_TRUE(r.ok()) << r.status();
}

TEST_F(DurabilityTest, UnchangedContentIsANoOp) {
  auto e = Open();
  auto a = e->UpdateFile("src/m1.rs", Source(1, 1));
  ASSERT_TRUE(a.ok());
  auto b = e->UpdateFile("src/m1.rs", Source(1, 1));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(e->RemoveFile("src/nope.rs").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(e->UpdateFile("../outside.rs", "fn x() {}").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DurabilityTest, PowerCutLosesNothingAcknowledged) {
  for (aim::Durability mode : {aim::Durability::kSync, aim::Durability::kBatch}) {
    aim::wal::MemEnv env;
    auto model = Model();
    uint64_t digest, version;
    {
      auto e = Open(&env, mode);
      Edits(*e, *model, 40, 2);
      digest = e->Digest();
      version = e->Stats().version;
      env.PowerCut(aim::wal::MemEnv::PowerCutMode::kDropRandom, 7);
    }
    auto e = Open(&env, mode);
    EXPECT_EQ(e->Stats().version, version);
    EXPECT_EQ(e->Digest(), digest);
  }
}

TEST_F(DurabilityTest, IngestOfAnExistingDatabaseIsIncremental) {
  auto e = Open();
  auto first = e->Ingest(kWorkspace);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->files, 7u);
  const uint64_t digest = e->Digest();
  auto again = e->Ingest(kWorkspace);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->files, 0u);
  EXPECT_EQ(again->unchanged, 7u);
  EXPECT_EQ(again->version, first->version);  // nothing to log
  EXPECT_EQ(e->Digest(), digest);
  e.reset();
  e = Open();
  EXPECT_EQ(e->Digest(), digest);
  EXPECT_EQ(e->Stats().replayed, 0u);  // it was a checkpoint
}

TEST_F(DurabilityTest, AFailedSyncStopsWritesButNotQueries) {
  aim::fault::FaultEnv faulty(&mem_);
  auto e = Open(&faulty);
  ASSERT_TRUE(e->UpdateFile("src/lib.rs", "pub fn shared() {}\n").ok());
  const uint64_t before = e->Stats().version;
  const uint64_t digest = e->Digest();
  faulty.Arm({.kinds = aim::fault::kOpSync, .nth = 1, .err = EIO});
  auto failed = e->UpdateFile("src/m1.rs", Source(1, 1));
  ASSERT_FALSE(failed.ok());
  faulty.Disarm();
  auto again = e->UpdateFile("src/m2.rs", Source(2, 1));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("stopped accepting writes"),
            absl::string_view::npos)
      << again.status();
  EXPECT_FALSE(e->Stats().write_error.empty());
  auto q = e->Query({.kind = "search", .args = {"shared"}});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_FALSE(q->results.empty());
  // The unacknowledged update never became visible.
  EXPECT_EQ(e->Stats().version, before);
  EXPECT_EQ(e->Digest(), digest);
}

TEST_F(DurabilityTest, BackgroundCheckpointsKeepTheLogShort) {
  checkpoint_bytes_ = 4 << 10;
  auto model = Model();
  uint64_t digest;
  {
    auto e = Open();
    Edits(*e, *model, 200, 3);
    digest = e->Digest();
  }  // waits for a running checkpoint
  auto e = Open();
  aim::EngineStats s = e->Stats();
  EXPECT_GT(s.checkpoint_lsn, 0u);
  EXPECT_LT(s.replayed, 200u);
  EXPECT_EQ(e->Digest(), digest);
  EXPECT_TRUE(s.checkpoint_error.empty()) << s.checkpoint_error;
  auto lsn = e->Checkpoint();
  ASSERT_TRUE(lsn.ok()) << lsn.status();
  EXPECT_EQ(*lsn, s.version);
}

TEST_F(DurabilityTest, OneWriterManyReaders) {
  auto writer = Open();
  ASSERT_TRUE(writer->UpdateFile("src/lib.rs", "pub fn shared() {}\n").ok());
  aim::Options o;
  o.db_dir = kDb;
  o.env = &mem_;
  auto second = aim::Engine::Open(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  o.read_only = true;
  auto reader = aim::Engine::Open(o);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->Digest(), writer->Digest());
  EXPECT_FALSE((*reader)->UpdateFile("src/x.rs", "fn x() {}").ok());
}

}  // namespace

// Regression tests for what the crash harness found (one per bug; each
// fails on the code before its fix).
#include <gtest/gtest.h>

#include "fault_injection/fault_env.h"
#include "fault_injection/harness.h"
#include "fault_injection/verify.h"
#include "fault_injection/workload.h"
#include "wal/mem_env.h"

namespace aim::fault {
namespace {

constexpr char kDb[] = "/db";

Options On(wal::Env* env, Durability d) { return HarnessOptions(kDb, d, env); }

// Found by `aim-crash kill`: a crash between writing a checkpoint's temp
// file and renaming it (kill point atomic.before_rename) left
// checkpoint-<lsn>.aim.tmp in the database for good; every such crash
// leaked a whole graph image's worth of disk.
TEST(CrashRegressionTest, RecoveryRemovesATempCheckpointACrashLeftBehind) {
  Model m(5);
  wal::MemEnv mem;
  FaultEnv faulty(&mem);
  {
    auto e = Engine::Open(On(&faulty, Durability::kSync));
    ASSERT_TRUE(e.ok()) << e.status();
    for (uint64_t i = 0; i < 6; ++i) ASSERT_TRUE(Apply(**e, m.workload().At(i)).ok());
    // The process dies at the rename: neither it nor the cleanup happens.
    faulty.Arm({.kinds = kOpRename | kOpRemove, .permanent = true});
    EXPECT_FALSE((*e)->Checkpoint().ok());
    faulty.Disarm();
  }
  ASSERT_EQ(Debris(&mem, kDb).size(), 1u);  // checkpoint-<6>.aim.tmp
  auto e = Engine::Open(On(&mem, Durability::kSync));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(Debris(&mem, kDb).empty());
  EXPECT_EQ((*e)->Stats().version, 6u);
  EXPECT_EQ((*e)->Digest(), m.DigestAt(6));
}

}  // namespace
}  // namespace aim::fault

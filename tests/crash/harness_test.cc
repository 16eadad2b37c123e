// The crash harness's checks bite, and its in-process loops pass (a short
// run; the long ones are `aim-crash`, see the README "Crash harness").
#include <gtest/gtest.h>

#include "fault_injection/fault_env.h"
#include "fault_injection/harness.h"
#include "fault_injection/verify.h"
#include "fault_injection/workload.h"
#include "recovery/store.h"
#include "wal/mem_env.h"

namespace aim::fault {
namespace {

constexpr char kDb[] = "/db";

Options On(wal::Env* env, Durability d) { return HarnessOptions(kDb, d, env); }

TEST(WorkloadTest, EveryEditIsOneLsnAndTheSeedDecidesAll) {
  Model a(7), b(7), c(8);
  for (uint64_t n : {0, 1, 5, 60}) EXPECT_EQ(a.DigestAt(n), b.DigestAt(n));
  EXPECT_NE(a.DigestAt(60), c.DigestAt(60));
  // Creates, modifications, removals and large files all occur.
  int removes = 0, large = 0;
  for (uint64_t i = 0; i < 400; ++i) {
    const Edit& e = a.workload().At(i);
    removes += e.kind == Edit::kRemove;
    large += e.content.size() > (32 << 10);  // > 2 WAL segments
  }
  EXPECT_GT(removes, 10);
  EXPECT_GT(large, 0);
}

TEST(VerifyTest, ALostAcknowledgementAndAWrongGraphAreCaught) {
  Model m(3);
  Summary s;
  EXPECT_TRUE(VerifyRecovered(&s, "ok", 5, m.DigestAt(5), 5, 6, m));
  EXPECT_FALSE(VerifyRecovered(&s, "lost", 4, m.DigestAt(4), 5, 6, m));
  EXPECT_EQ(s.acked_lost, 1u);
  EXPECT_FALSE(VerifyRecovered(&s, "wrong graph", 5, m.DigestAt(4), 5, 6, m));
  EXPECT_FALSE(VerifyRecovered(&s, "from the future", 7, m.DigestAt(7), 5, 6, m));
  EXPECT_EQ(s.damaged_accepted, 2u);
  EXPECT_EQ(s.recoveries_verified, 1u);
  EXPECT_FALSE(s.ok());
}

// The power-cut check is not vacuous: mode none does lose acknowledged
// edits to a power cut, and the check says so.
TEST(VerifyTest, APowerCutInModeNoneIsCaughtAsLossWhenSyncWasPromised) {
  Model m(4);
  wal::MemEnv mem;
  FaultEnv faulty(&mem);
  uint64_t acked = 0;
  {
    auto e = Engine::Open(On(&faulty, Durability::kNone));
    ASSERT_TRUE(e.ok()) << e.status();
    for (uint64_t i = 0; i < 5; ++i) {
      auto lsn = Apply(**e, m.workload().At(i));
      ASSERT_TRUE(lsn.ok()) << lsn.status();
      acked = *lsn;
    }
    faulty.Arm({.kinds = kOpAll, .permanent = true});  // dies before closing
  }
  mem.PowerCut(wal::MemEnv::PowerCutMode::kDropUnsynced);
  auto e = Engine::Open(On(&mem, Durability::kNone));
  ASSERT_TRUE(e.ok()) << e.status();
  Summary s;
  VerifyRecovered(&s, "none", (*e)->Stats().version, (*e)->Digest(), acked, acked, m);
  EXPECT_EQ(s.acked_lost, 1u);
}

TEST(HarnessTest, PowerCutsLoseNothingAcknowledged) {
  Summary s = RunPowerCuts({.seed = 11, .cycles = 60, .cycles_per_db = 20});
  s.Print("power cuts");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.cycles, 60u);
  EXPECT_GT(s.recoveries_verified, 30u);
}

TEST(HarnessTest, PowerCutsWithConcurrentWritersLoseNothingAcknowledged) {
  Summary s = RunGroupCommitCuts({.seed = 13, .cycles = 16, .cycles_per_db = 8});
  s.Print("power cuts, concurrent writers");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.recoveries_verified, 18u);  // 16 cycles and a final open per database
}

TEST(HarnessTest, FaultLoopsFailStopAndLoseNothing) {
  Summary s = RunFaultLoops({.seed = 12, .max_n = 40});
  s.Print("fault loops");
  EXPECT_TRUE(s.ok());
  EXPECT_GT(s.recoveries_verified, 100u);
  EXPECT_GT(s.faults.size(), 2u);
}

}  // namespace
}  // namespace aim::fault

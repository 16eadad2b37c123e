// LeftRight: a guard pins one copy; the writer's grace period waits for it;
// readers racing a writer only ever see whole versions (run under TSan).
#include "actors/left_right.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace aim::host {
namespace {

struct Pair {
  uint64_t a = 0;
  uint64_t b = 0;  // always equal to a in a published copy
};

// The writer's whole cycle: change the back copy, publish, wait, repeat
// the change on the old copy.
void Set(LeftRight<Pair>& lr, uint64_t v) {
  lr.back()->a = v;
  lr.back()->b = v;
  lr.Publish();
  lr.WaitForReaders();
  lr.back()->a = v;
  lr.back()->b = v;
}

std::unique_ptr<Pair> Make(uint64_t v) { return std::make_unique<Pair>(Pair{v, v}); }

TEST(LeftRightTest, AGuardKeepsTheVersionItSawAcrossAPublish) {
  LeftRight<Pair> lr(Make(1));
  lr.set_back(Make(1));
  auto old = lr.Read();
  lr.back()->a = lr.back()->b = 2;
  lr.Publish();
  EXPECT_EQ(old->a, 1u);         // still the copy it entered
  EXPECT_EQ(lr.Read()->a, 2u);   // new readers see the new one
  EXPECT_EQ(lr.front().a, 2u);
}

TEST(LeftRightTest, TheGracePeriodWaitsForReadersOfTheOldCopy) {
  LeftRight<Pair> lr(Make(1));
  lr.set_back(Make(1));
  std::atomic<bool> waited{false};
  std::thread writer;
  {
    auto guard = lr.Read();
    lr.back()->a = lr.back()->b = 2;
    lr.Publish();
    writer = std::thread([&] {
      lr.WaitForReaders();
      waited = true;
    });
    // However long we hold the old copy, the writer may not touch it.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(waited.load());
    EXPECT_EQ(guard->a, 1u);
  }
  writer.join();
  EXPECT_TRUE(waited.load());
}

TEST(LeftRightTest, ReadersOfTheNewCopyDoNotHoldTheWriterBack) {
  LeftRight<Pair> lr(Make(0));
  lr.set_back(Make(0));
  Set(lr, 1);
  auto guard = lr.Read();  // on the front copy
  lr.WaitForReaders();     // returns: the back copy has no readers
  EXPECT_EQ(guard->a, 1u);
}

TEST(LeftRightTest, ConcurrentReadersSeeOnlyWholeVersionsInOrder) {
  LeftRight<Pair> lr(Make(0));
  lr.set_back(Make(0));
  constexpr uint64_t kVersions = 20000;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> torn{0}, backwards{0}, reads{0};
  std::atomic<int> started{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      uint64_t last = 0;
      bool counted = false;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!counted) ++started, counted = true;
        auto g = lr.Read();
        const uint64_t a = g->a;
        std::this_thread::yield();  // widen the window for a torn read
        if (g->b != a) ++torn;
        if (a < last) ++backwards;
        last = a;
        ++reads;
      }
    });
  while (started.load() < 4) std::this_thread::yield();  // all reading
  for (uint64_t v = 1; v <= kVersions; ++v) Set(lr, v);
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(backwards.load(), 0u);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(lr.Read()->a, kVersions);
  EXPECT_EQ(lr.back()->a, kVersions);  // both copies end equal
}

}  // namespace
}  // namespace aim::host

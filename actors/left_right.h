// Two copies of a structure, one writer, many readers: the left-right
// technique (Ramalhete and Correia, 2015), a form of RCU with exactly two
// versions.
//
// Readers always read the published ("front") copy: entering is two atomic
// increments and a load, never a wait (a reader that races with a publish
// retries once on the other copy). The writer changes the other ("back")
// copy, which no reader can see, publishes it with one atomic store, and
// then waits for the readers still on the old front to leave — a grace
// period, as in RCU — before it repeats the change on that copy so the two
// are equal again. So a reader sees exactly one version for as long as it
// holds its guard, publishing costs what the change costs (applied twice,
// the second time after the new version is visible), and the only waiting
// is the writer's, for readers that entered before the publish.
//
// Memory: two copies. Thread-safety: Read() from any thread; every other
// method from one writer at a time (the caller serialises writers).
#ifndef AIM_ACTORS_LEFT_RIGHT_H_
#define AIM_ACTORS_LEFT_RIGHT_H_

#include <atomic>
#include <cassert>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>

namespace aim::host {

template <typename T>
class LeftRight {
 public:
  // Starts with `front` published and no back copy.
  explicit LeftRight(std::unique_ptr<T> front) {
    copies_[0] = std::move(front);
  }
  LeftRight(const LeftRight&) = delete;
  LeftRight& operator=(const LeftRight&) = delete;

  // Holds the copy that was front when it was taken, unchanged, until it
  // is destroyed. Keep guards short: the writer's next change waits for
  // them.
  class ReadGuard {
   public:
    ReadGuard(ReadGuard&& o) noexcept : lr_(std::exchange(o.lr_, nullptr)), i_(o.i_) {}
    ReadGuard(const ReadGuard&) = delete;
    ReadGuard& operator=(const ReadGuard&) = delete;
    ReadGuard& operator=(ReadGuard&&) = delete;
    ~ReadGuard() {
      if (lr_ != nullptr) lr_->readers_[i_].n.fetch_sub(1, std::memory_order_release);
    }
    const T& operator*() const { return *lr_->copies_[i_]; }
    const T* operator->() const { return lr_->copies_[i_].get(); }

   private:
    friend class LeftRight;
    ReadGuard(const LeftRight* lr, int i) : lr_(lr), i_(i) {}
    const LeftRight* lr_;
    int i_;
  };

  ReadGuard Read() const {
    for (;;) {
      const int i = front_.load(std::memory_order_seq_cst);
      readers_[i].n.fetch_add(1, std::memory_order_seq_cst);
      // Still front after we announced ourselves: the writer, which
      // publishes before it looks at the counter, will wait for us.
      if (front_.load(std::memory_order_seq_cst) == i) return ReadGuard(this, i);
      readers_[i].n.fetch_sub(1, std::memory_order_release);
    }
  }

  // ---- the writer's side
  // The published copy. The writer may read it without a guard: only the
  // writer changes copies, and never the front one.
  const T& front() const { return *copies_[front_.load(std::memory_order_relaxed)]; }
  // The unpublished copy (null until one is set). No reader sees it once
  // WaitForReaders has returned since the last Publish.
  T* back() { return copies_[1 - front_.load(std::memory_order_relaxed)].get(); }
  // Replaces the back copy (call after WaitForReaders).
  void set_back(std::unique_ptr<T> copy) {
    copies_[1 - front_.load(std::memory_order_relaxed)] = std::move(copy);
  }
  // Makes the back copy the front one; readers that arrive from now on see
  // it. The old front becomes the back copy, still read by the readers
  // that entered before: WaitForReaders before changing it.
  void Publish() {
    assert(back() != nullptr);
    front_.store(1 - front_.load(std::memory_order_relaxed), std::memory_order_seq_cst);
  }
  // Waits until no reader holds the back copy (the grace period).
  void WaitForReaders() {
    const int b = 1 - front_.load(std::memory_order_relaxed);
    int spins = 0;
    while (readers_[b].n.load(std::memory_order_seq_cst) != 0) {
      if (++spins < 64) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
  }

 private:
  struct alignas(64) Counter {
    std::atomic<uint64_t> n{0};
  };
  std::unique_ptr<T> copies_[2];
  std::atomic<int> front_{0};
  mutable Counter readers_[2];
};

}  // namespace aim::host

#endif  // AIM_ACTORS_LEFT_RIGHT_H_

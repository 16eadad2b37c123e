// Running work on a few threads at once (recovery/ is where the storage
// code may make threads; engine/ takes a runner instead).
#ifndef AIM_RECOVERY_PARALLEL_H_
#define AIM_RECOVERY_PARALLEL_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <span>
#include <thread>
#include <vector>

namespace aim::recovery {

// Runs fn(0..n-1) on `threads` threads (this one among them), each index
// once.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads && static_cast<size_t>(t) < n; ++t)
    helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
}

// A graph::RunTasks runner: the tasks at once, a thread each.
inline void RunAtOnce(std::span<const std::function<void()>> tasks) {
  ParallelFor(tasks.size(), static_cast<int>(tasks.size()),
              [&](size_t i) { tasks[i](); });
}

}  // namespace aim::recovery

#endif  // AIM_RECOVERY_PARALLEL_H_

// ParallelFor: every item exactly once, on the calling thread alone when that is cheaper, and
// on several threads otherwise.
#include "common/parallel.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace gongkai {
namespace {

TEST(ParallelForTest, CallsEveryItemExactlyOnce) {
  for (int threads : {0, 1, 2, 3, 8}) {
    for (int n : {0, 1, 2, 7, 8, 9, 100, 1001}) {
      std::vector<std::atomic<int>> calls(n);
      ParallelFor(n, threads, [&](int i) { calls[i].fetch_add(1); });
      for (int i = 0; i < n; ++i) {
        ASSERT_EQ(calls[i].load(), 1) << "item " << i << " of " << n << " on " << threads;
      }
    }
  }
}

TEST(ParallelForTest, FewItemsOrOneThreadStayOnTheCallingThread) {
  const std::thread::id caller = std::this_thread::get_id();
  for (auto [n, threads] : {std::pair{100, 1}, std::pair{7, 2}, std::pair{3, 8}}) {
    bool elsewhere = false;
    ParallelFor(n, threads, [&](int) { elsewhere |= std::this_thread::get_id() != caller; });
    EXPECT_FALSE(elsewhere) << n << " items, " << threads << " threads";
  }
}

TEST(ParallelForTest, ManyItemsShareTheThreads) {
  absl::Mutex mu;
  std::set<std::thread::id> seen;
  std::atomic<int> waiting{0};
  // Each of the first three items waits until three are running at once, so three threads must
  // be working together (a run on fewer would never finish the wait).
  ParallelFor(300, 3, [&](int i) {
    {
      absl::MutexLock lock(&mu);
      seen.insert(std::this_thread::get_id());
    }
    if (i < 3) {
      waiting.fetch_add(1);
      while (waiting.load() < 3) std::this_thread::yield();
    }
  });
  EXPECT_EQ(seen.size(), 3u);
}

}  // namespace
}  // namespace gongkai

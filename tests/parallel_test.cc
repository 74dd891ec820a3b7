// ParallelFor: every item exactly once, on the calling thread alone when that is cheaper, and
// on several threads otherwise.
#include "common/parallel.h"

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iterator>
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

// The kernel's threads of this process.
int ProcessThreads() {
  return static_cast<int>(std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                                        std::filesystem::directory_iterator()));
}

TEST(ParallelForTest, TheCallersHelpersAreKeptBetweenCallsAndEndWithIt) {
  // A thread makes 30 calls on 3 threads, each item long enough for the helpers to join: the
  // items run on at most two threads besides the caller in all (the same two helpers each
  // time, not two new ones a call), and when the caller ends its helpers end too.
  const int before = ProcessThreads();
  std::set<pid_t> helpers;
  int during = 0;
  std::thread caller([&] {
    const pid_t self = gettid();
    absl::Mutex mu;
    for (int call = 0; call < 30; ++call) {
      ParallelFor(12, 3, [&](int) {
        absl::SleepFor(absl::Microseconds(200));
        if (gettid() == self) return;
        absl::MutexLock lock(&mu);
        helpers.insert(gettid());
      });
    }
    during = ProcessThreads();
  });
  caller.join();
  EXPECT_GE(helpers.size(), 1u);
  EXPECT_LE(helpers.size(), 2u);
  EXPECT_EQ(during, before + 3);  // the caller and its two helpers (one may have run no item)
  // The kernel may list an ended thread for a moment after it was joined.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (ProcessThreads() != before && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(ProcessThreads(), before);
}

TEST(ParallelForTest, ACallFromInsideAnItemRunsEveryItemOnce) {
  // Items that make calls of their own, on the caller's thread and on its helpers.
  std::vector<std::atomic<int>> calls(40 * 10);
  ParallelFor(
      40, 3,
      [&](int i) {
        ParallelFor(
            10, 3, [&](int j) { calls[i * 10 + j].fetch_add(1); }, 1);
      },
      1);
  for (size_t k = 0; k < calls.size(); ++k) ASSERT_EQ(calls[k].load(), 1) << k;
}

}  // namespace
}  // namespace gongkai

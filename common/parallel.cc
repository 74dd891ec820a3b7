#include "common/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace gongkai {

void ParallelFor(int n, int threads, const std::function<void(int)>& fn, int min_per_thread) {
  const int count = std::min(threads, n / std::max(1, min_per_thread));
  if (count <= 1) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<int> next{0};
  auto work = [&] {
    for (int i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      fn(i);
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(count - 1);
  for (int t = 1; t < count; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace gongkai

#include "common/parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace gongkai {
namespace {

// The helper threads of one calling thread: started by the first call that needs them, parked
// between calls, and ended when the calling thread ends. Helpers inherit the caller's CPU
// priority when they start (a worker run at a lower priority keeps its helpers there too).
class Helpers {
 public:
  Helpers() = default;
  Helpers(const Helpers&) = delete;
  Helpers& operator=(const Helpers&) = delete;
  ~Helpers() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& thread : threads_) thread.join();
  }

  // False while this thread's helpers are running a call of its own (a call made from inside
  // one of its items): that call then runs on the calling thread alone.
  bool available() const { return !busy_; }

  // Runs `work` on the calling thread and on up to `helpers` helpers, and returns when every
  // one that joined has returned. Helpers that have not joined by the time the calling thread's
  // `work` returns no longer join (`work` hands out items, so the call's items are done then).
  void Run(int helpers, const std::function<void()>& work) {
    busy_ = true;
    absl::MutexLock lock(&mu_);
    while (static_cast<int>(threads_.size()) < helpers) {
      threads_.emplace_back([this] { Loop(); });
    }
    work_ = &work;
    wanted_ = helpers;
    ++call_;
    mu_.Unlock();
    work();
    mu_.Lock();
    wanted_ = 0;
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_ == 0; };
    mu_.Await(absl::Condition(&done));
    work_ = nullptr;
    busy_ = false;
  }

 private:
  void Loop() {
    absl::MutexLock lock(&mu_);
    uint64_t joined = 0;  // the last call this helper joined
    for (;;) {
      auto wake = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (wanted_ > 0 && call_ != joined);
      };
      mu_.Await(absl::Condition(&wake));
      if (stopping_) return;
      joined = call_;
      --wanted_;
      ++running_;
      const std::function<void()>* work = work_;
      mu_.Unlock();
      (*work)();
      mu_.Lock();
      --running_;
    }
  }

  bool busy_ = false;  // only the owning thread reads and writes it
  absl::Mutex mu_;
  std::vector<std::thread> threads_;
  const std::function<void()>* work_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t call_ ABSL_GUARDED_BY(mu_) = 0;
  int wanted_ ABSL_GUARDED_BY(mu_) = 0;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

void ParallelFor(int n, int threads, const std::function<void(int)>& fn, int min_per_thread) {
  const int count = std::min(threads, n / std::max(1, min_per_thread));
  thread_local Helpers helpers;
  if (count <= 1 || !helpers.available()) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<int> next{0};
  const std::function<void()> work = [&] {
    for (int i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      fn(i);
    }
  };
  helpers.Run(count - 1, work);
}

}  // namespace gongkai

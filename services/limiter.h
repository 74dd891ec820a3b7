// A bound on how many calls of one kind run at once (ParseReport: each may hold ~20 bytes per
// character of its text for a while). A call waits for a free slot until its deadline or
// `max_wait`, whichever is first, then is refused with RESOURCE_EXHAUSTED and a retry hint.
// Thread-safe.
#ifndef GONGKAI_SERVICES_LIMITER_H_
#define GONGKAI_SERVICES_LIMITER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gongkai {

class Limiter {
 public:
  Limiter(std::string what, int slots, absl::Duration max_wait = absl::Seconds(5))
      : what_(std::move(what)), slots_(slots), max_wait_(max_wait) {}

  // Takes a slot (OK) or refuses (RESOURCE_EXHAUSTED); a taken slot must be released.
  absl::Status Acquire(absl::Time deadline);
  void Release();

  // Holds a slot for a scope.
  class Slot {
   public:
    explicit Slot(Limiter* limiter) : limiter_(limiter) {}
    ~Slot() {
      if (limiter_ != nullptr) limiter_->Release();
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    Limiter* limiter_;
  };

 private:
  const std::string what_;
  const int slots_;
  const absl::Duration max_wait_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_LIMITER_H_

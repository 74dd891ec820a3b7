#include "services/limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gongkai {

absl::Status Limiter::Acquire(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_ < slots_; };
  if (!mu_.AwaitWithDeadline(absl::Condition(&free), std::min(deadline, absl::Now() + max_wait_))) {
    return absl::ResourceExhaustedError(
        absl::StrCat(slots_, " ", what_,
                     " are running at once, the most this server allows; retry in a few "
                     "seconds"));
  }
  ++running_;
  return absl::OkStatus();
}

void Limiter::Release() {
  absl::MutexLock lock(&mu_);
  --running_;
}

}  // namespace gongkai

#include "common/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"

namespace gongkai {
namespace {

// On Linux the nice value belongs to each thread, named by its thread id.
id_t ThreadId() { return static_cast<id_t>(syscall(SYS_gettid)); }

}  // namespace

int ThreadNice() { return getpriority(PRIO_PROCESS, ThreadId()); }

absl::Status LowerThreadPriority(int nice) {
  if (nice < 0 || nice > 19) {
    return absl::InvalidArgumentError(absl::StrCat("a nice increment must be 0 to 19, not ", nice));
  }
  if (nice == 0) return absl::OkStatus();
  const int target = std::min(19, ThreadNice() + nice);
  if (setpriority(PRIO_PROCESS, ThreadId(), target) != 0) {
    return absl::ErrnoToStatus(errno, "lower the thread's CPU priority");
  }
  return absl::OkStatus();
}

}  // namespace gongkai

// The CPU priority of a thread: background work (the in-process aggregation worker) yields the
// CPUs to the work people wait on (submissions, reads) when both want them.
#ifndef GONGKAI_COMMON_THREAD_PRIORITY_H_
#define GONGKAI_COMMON_THREAD_PRIORITY_H_

#include "absl/status/status.h"

namespace gongkai {

// Lowers the calling thread's CPU priority by `nice` steps (0–19, Linux nice values; never
// raises it, which needs privileges). Threads it starts afterwards inherit the lower priority.
// INVALID_ARGUMENT outside 0–19; the system's error when it refuses.
absl::Status LowerThreadPriority(int nice);

// The calling thread's nice value.
int ThreadNice();

}  // namespace gongkai

#endif  // GONGKAI_COMMON_THREAD_PRIORITY_H_

// Work spread over a few threads, for computations that read shared data and write only their
// own results (the worker's rollups and flags of many regions).
#ifndef GONGKAI_COMMON_PARALLEL_H_
#define GONGKAI_COMMON_PARALLEL_H_

#include <functional>

namespace gongkai {

// Calls fn(i) once for every i in [0, n), on the calling thread and on up to `threads` − 1
// helper threads, and returns when every call has returned. Items are handed out one at a
// time, so items of unequal cost still share the threads evenly. The helpers are the calling
// thread's own: started by its first call that needs them, parked between its calls (a thread
// costs tens of microseconds to start, and the worker makes thousands of calls a second), and
// ended with it; they start with its CPU priority. With threads ≤ 1, fewer than
// `min_per_thread` items per thread, or a call made from inside an item that runs on the calling
// thread, runs on the calling thread alone (a call from an item on a helper uses that helper's
// own helpers). `fn` must not throw.
void ParallelFor(int n, int threads, const std::function<void(int)>& fn, int min_per_thread = 4);

}  // namespace gongkai

#endif  // GONGKAI_COMMON_PARALLEL_H_

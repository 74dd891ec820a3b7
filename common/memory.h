#ifndef GONGKAI_COMMON_MEMORY_H_
#define GONGKAI_COMMON_MEMORY_H_

#include <cstdint>

namespace gongkai {

// Hands the heap's free pages back to the system, whichever allocator the program was linked
// with: TCMalloc's (gongkaid and gongkai-worker, see binaries/CMakeLists.txt) or glibc's.
// Costs a walk of the free lists: call it after a burst of work, not per request.
void ReleaseFreeMemory();

// Caps the bytes that TCMalloc's per-thread caches hold together: memory each thread freed and
// keeps for its own next allocations, 32 MiB in all by TCMalloc's default, which a server's
// many call threads fill and hold between bursts. Each thread may still keep 0.5 MiB whatever
// the cap (TCMalloc's floor), so many threads can hold more. Smaller: less resident memory,
// more trips to the shared free lists. Does nothing without TCMalloc, or when the environment sets
// TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES (TCMalloc reads it at start: the operator's word wins).
void CapThreadCaches(int64_t bytes);

// Where the process's memory is, as its allocator and the kernel see it: TCMalloc's figures,
// a sanitizer's allocator's, or glibc's (whose free bytes include pages already handed back).
struct MemoryUsage {
  int64_t heap_allocated = 0;  // bytes in live allocations
  int64_t heap_free = 0;       // bytes the allocator keeps free for later (caches, free pages)
  int64_t heap_free_in_thread_caches = 0;  // of heap_free, in TCMalloc's threads' caches
  int64_t resident = 0;                    // the process's resident set (VmRSS); 0 when unreadable
};
MemoryUsage CurrentMemoryUsage();

}  // namespace gongkai

#endif  // GONGKAI_COMMON_MEMORY_H_

#include "common/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <fstream>

// TCMalloc's C entry points, present only when the program links TCMalloc: weak references
// resolve to null otherwise (gperftools/malloc_extension_c.h declares them).
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));
extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value)
    __attribute__((weak));
extern "C" int MallocExtension_SetNumericProperty(const char* property, size_t value)
    __attribute__((weak));
// A sanitizer's allocator, which replaces glibc's (sanitizer/allocator_interface.h).
extern "C" size_t __sanitizer_get_current_allocated_bytes() __attribute__((weak));
extern "C" size_t __sanitizer_get_free_bytes() __attribute__((weak));

namespace gongkai {
namespace {

int64_t TcmallocProperty(const char* name) {
  size_t value = 0;
  return MallocExtension_GetNumericProperty(name, &value) ? static_cast<int64_t>(value) : 0;
}

}  // namespace

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) {
    MallocExtension_ReleaseFreeMemory();
  } else {
    malloc_trim(0);
  }
}

void CapThreadCaches(int64_t bytes) {
  if (MallocExtension_SetNumericProperty == nullptr || bytes <= 0 ||
      std::getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES") != nullptr) {
    return;
  }
  MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes",
                                     static_cast<size_t>(bytes));
}

MemoryUsage CurrentMemoryUsage() {
  MemoryUsage usage;
  if (MallocExtension_GetNumericProperty != nullptr) {
    usage.heap_allocated = TcmallocProperty("generic.current_allocated_bytes");
    // A sum of figures each never negative: they are read one at a time while other threads
    // allocate, so a difference of them (the heap's size less the allocated bytes) could be.
    usage.heap_free_in_thread_caches = TcmallocProperty("tcmalloc.thread_cache_free_bytes");
    usage.heap_free = usage.heap_free_in_thread_caches;
    for (const char* free_bytes :
         {"tcmalloc.pageheap_free_bytes", "tcmalloc.central_cache_free_bytes",
          "tcmalloc.transfer_cache_free_bytes"}) {
      usage.heap_free += TcmallocProperty(free_bytes);
    }
  } else if (__sanitizer_get_current_allocated_bytes != nullptr) {
    usage.heap_allocated = static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
    usage.heap_free = static_cast<int64_t>(__sanitizer_get_free_bytes());
  } else {
    const struct mallinfo2 info = mallinfo2();
    usage.heap_allocated = static_cast<int64_t>(info.uordblks + info.hblkhd);
    usage.heap_free = static_cast<int64_t>(info.fordblks);
  }
  // /proc/self/statm: total and resident size in pages.
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident_pages = 0;
  if (statm >> pages >> resident_pages) usage.resident = resident_pages * sysconf(_SC_PAGESIZE);
  return usage;
}

}  // namespace gongkai

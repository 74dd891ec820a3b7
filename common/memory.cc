#include "common/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <fstream>

// TCMalloc's C entry points, present only when the program links TCMalloc: weak references
// resolve to null otherwise (gperftools/malloc_extension_c.h declares them).
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));
extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value)
    __attribute__((weak));

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

MemoryUsage CurrentMemoryUsage() {
  MemoryUsage usage;
  if (MallocExtension_GetNumericProperty != nullptr) {
    usage.heap_allocated = TcmallocProperty("generic.current_allocated_bytes");
    // Mapped = the heap's size less what was handed back to the system.
    usage.heap_free = TcmallocProperty("generic.heap_size") -
                      TcmallocProperty("tcmalloc.pageheap_unmapped_bytes") - usage.heap_allocated;
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

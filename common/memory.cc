#include "common/memory.h"

#include <malloc.h>

// TCMalloc's C entry point, present only when the program links TCMalloc: a weak reference
// resolves to null otherwise (gperftools/malloc_extension_c.h declares it).
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

namespace gongkai {

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) {
    MallocExtension_ReleaseFreeMemory();
  } else {
    malloc_trim(0);
  }
}

}  // namespace gongkai

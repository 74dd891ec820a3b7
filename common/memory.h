#ifndef GONGKAI_COMMON_MEMORY_H_
#define GONGKAI_COMMON_MEMORY_H_

namespace gongkai {

// Hands the heap's free pages back to the system, whichever allocator the program was linked
// with: TCMalloc's (gongkaid and gongkai-worker, see binaries/CMakeLists.txt) or glibc's.
// Costs a walk of the free lists: call it after a burst of work, not per request.
void ReleaseFreeMemory();

}  // namespace gongkai

#endif  // GONGKAI_COMMON_MEMORY_H_

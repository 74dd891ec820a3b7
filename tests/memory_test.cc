// The allocator's knobs (common/memory.h), in a program linked with TCMalloc as gongkaid is;
// skipped where a sanitizer's allocator replaces it.
#include "common/memory.h"

#include <cstdlib>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

extern "C" int MallocExtension_GetNumericProperty(const char* property, size_t* value)
    __attribute__((weak));

namespace gongkai {
namespace {

constexpr char kLimit[] = "tcmalloc.max_total_thread_cache_bytes";

class MemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef GONGKAI_TEST_TCMALLOC
    ASSERT_NE(MallocExtension_GetNumericProperty, nullptr) << "TCMalloc was to be linked";
#else
    if (MallocExtension_GetNumericProperty == nullptr) GTEST_SKIP() << "not linked with TCMalloc";
#endif
    // TCMalloc read it at start; CapThreadCaches would leave the limit alone while it is set.
    unsetenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES");
  }
  static size_t Limit() {
    size_t bytes = 0;
    EXPECT_TRUE(MallocExtension_GetNumericProperty(kLimit, &bytes));
    return bytes;
  }
};

TEST_F(MemoryTest, CapThreadCachesSetsTheLimitOfEveryThreadsCacheTogether) {
  CapThreadCaches(int64_t{8} << 20);
  EXPECT_EQ(Limit(), size_t{8} << 20);
  CapThreadCaches(int64_t{5} << 20);
  EXPECT_EQ(Limit(), size_t{5} << 20);
}

TEST_F(MemoryTest, TheEnvironmentsLimitWins) {
  CapThreadCaches(int64_t{6} << 20);
  ASSERT_EQ(setenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES", "33554432", 1), 0);
  CapThreadCaches(int64_t{2} << 20);
  unsetenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES");
  EXPECT_EQ(Limit(), size_t{6} << 20);  // left as it was
}

TEST_F(MemoryTest, ANonPositiveCapChangesNothing) {
  CapThreadCaches(int64_t{7} << 20);
  CapThreadCaches(0);
  CapThreadCaches(-1);
  EXPECT_EQ(Limit(), size_t{7} << 20);
}

TEST_F(MemoryTest, WhatTheThreadsCachesHoldIsPartOfTheFreeBytes) {
  CapThreadCaches(int64_t{8} << 20);
  {
    // Freed by this thread, small blocks stay in its cache for its next allocations.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 1000; ++i) {
      blocks.emplace_back(new char[256]);
      static_cast<volatile char*>(blocks.back().get())[0] = 1;
    }
  }
  const MemoryUsage usage = CurrentMemoryUsage();
  EXPECT_GT(usage.heap_free_in_thread_caches, 0);
  EXPECT_LE(usage.heap_free_in_thread_caches, usage.heap_free);
}

}  // namespace
}  // namespace gongkai

// LowerThreadPriority: the calling thread's nice value goes up by the increment (never past 19),
// threads it starts afterwards inherit it, other threads keep theirs.
#include "common/thread_priority.h"

#include <thread>

#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace gongkai {
namespace {

using ::gongkai::testing::StatusIs;

TEST(ThreadPriorityTest, LowersTheCallingThreadAndWhatItStarts) {
  // In a thread of its own, so the test's main thread keeps its priority.
  std::thread([] {
    const int before = ThreadNice();
    ASSERT_TRUE(LowerThreadPriority(3).ok());
    EXPECT_EQ(ThreadNice(), std::min(19, before + 3));
    int started = -100;
    std::thread([&] { started = ThreadNice(); }).join();
    EXPECT_EQ(started, std::min(19, before + 3));
    // Never past 19.
    ASSERT_TRUE(LowerThreadPriority(19).ok());
    EXPECT_EQ(ThreadNice(), 19);
  }).join();
}

TEST(ThreadPriorityTest, OtherThreadsKeepTheirPriority) {
  const int main_before = ThreadNice();
  std::thread([] { ASSERT_TRUE(LowerThreadPriority(5).ok()); }).join();
  EXPECT_EQ(ThreadNice(), main_before);
}

TEST(ThreadPriorityTest, ZeroChangesNothingAndOutOfRangeIsRefused) {
  std::thread([] {
    const int before = ThreadNice();
    EXPECT_TRUE(LowerThreadPriority(0).ok());
    EXPECT_EQ(ThreadNice(), before);
    EXPECT_THAT(LowerThreadPriority(-1), StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(LowerThreadPriority(20), StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_EQ(ThreadNice(), before);
  }).join();
}

}  // namespace
}  // namespace gongkai

// The synchronous server's threads between calls (ServerOptions::waiting_threads), through the
// real gRPC server of service_test_fixture.h: calls that each hold a thread (WatchChanges
// streams waiting for a commit) raise the server's threads, and when they end, up to
// waiting_threads of those threads stay for the next calls instead of ending.
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/service_test_fixture.h"

namespace gongkai {
namespace {

constexpr int kCalls = 12;
// The threads the calls add at least: some may take threads already waiting before them (up to
// two).
constexpr int kAdded = kCalls - 2;

// The kernel's threads of this process (the server's and the client's).
int ProcessThreads() {
  return static_cast<int>(std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                                        std::filesystem::directory_iterator()));
}

// Polls until `done` holds or `limit` passes; the last thread count seen.
template <typename Done>
int ThreadsOnce(Done done, absl::Duration limit) {
  const absl::Time end = absl::Now() + limit;
  int threads = ProcessThreads();
  while (!done(threads) && absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(20));
    threads = ProcessThreads();
  }
  return threads;
}

class WaitingThreadsTest : public ServiceTest, public ::testing::WithParamInterface<int> {
 protected:
  WaitingThreadsTest() { server_options_.waiting_threads = GetParam(); }

  // Opens kCalls streams of the change log that each hold a server thread (they follow it past
  // its one entry), waits until each has sent that entry (so the server runs them all at once),
  // cancels them, and returns the process's threads before, while they ran, and after they
  // ended (once back to at most 3 more than before, or `settle` later).
  struct Counts {
    int before, during, after;
  };
  Counts HoldAndEndCalls(absl::Duration settle) {
    if (store_->HeadSequence() == 0) EXPECT_TRUE(Submit(testing::SeedReport()).ok());
    Counts counts;
    counts.before = ProcessThreads();
    v1::WatchChangesRequest request;
    request.set_start_sequence(1);
    request.set_follow(true);
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchChangesResponse>>> readers;
    for (int i = 0; i < kCalls; ++i) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      readers.push_back(reports_->WatchChanges(contexts.back().get(), request));
    }
    for (auto& reader : readers) {
      v1::WatchChangesResponse page;
      EXPECT_TRUE(reader->Read(&page));
    }
    counts.during = ProcessThreads();
    for (auto& context : contexts) context->TryCancel();
    for (auto& reader : readers) {
      v1::WatchChangesResponse page;
      while (reader->Read(&page)) {
      }
      EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    }
    counts.after = ThreadsOnce([&](int n) { return n <= counts.before + 3; }, settle);
    return counts;
  }
};

// gRPC's own default (2 waiting): the threads the calls took end with them.
using FewWaitingThreadsTest = WaitingThreadsTest;
TEST_P(FewWaitingThreadsTest, ThreadsBeyondThemEndWithTheirCalls) {
  const Counts counts = HoldAndEndCalls(absl::Seconds(20));
  ASSERT_GE(counts.during, counts.before + kAdded);
  EXPECT_LE(counts.after, counts.before + 3);
}
INSTANTIATE_TEST_SUITE_P(GrpcDefault, FewWaitingThreadsTest, ::testing::Values(2));

// Ours (32 by default): the threads stay for the next calls, and the next calls use them
// instead of starting more.
TEST_P(WaitingThreadsTest, ThreadsThatFinishACallStayForTheNext) {
  const Counts first = HoldAndEndCalls(absl::Seconds(1));
  ASSERT_GE(first.during, first.before + kAdded);
  EXPECT_GE(first.after, first.before + kAdded);
  const Counts second = HoldAndEndCalls(absl::Seconds(1));
  EXPECT_LE(second.during, first.during + 2);  // (gRPC's own threads may come and go)
  EXPECT_GE(second.after, first.before + kAdded);
}
INSTANTIATE_TEST_SUITE_P(Default, WaitingThreadsTest,
                         ::testing::Values(ServerOptions().waiting_threads));

}  // namespace
}  // namespace gongkai

// The synchronous server's threads between calls (ServerOptions::waiting_threads), through the
// real gRPC server of service_test_fixture.h: calls that each hold a thread (WatchChanges
// streams that follow the change log) raise the server's threads, and when they end, up to
// waiting_threads of those threads stay for the next calls instead of ending.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/service_test_fixture.h"

namespace gongkai {
namespace {

constexpr int kCalls = 12;

// The threads of gRPC's synchronous server in this process ("grpcpp_sync_server", cut to 15
// characters by the kernel): those that run calls and those waiting for one.
int ServerThreads() {
  int threads = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name) && absl::StartsWith(name, "grpcpp_sync_ser")) ++threads;
  }
  return threads;
}

class WaitingThreadsTest : public ServiceTest, public ::testing::WithParamInterface<int> {
 protected:
  WaitingThreadsTest() { server_options_.waiting_threads = GetParam(); }

  // Opens kCalls streams of the change log that each hold a server thread (they follow it past
  // its one entry), waits until each has sent that entry (so the server runs them all at once),
  // cancels them, and returns the server's threads before, while they ran, and after they ended
  // (once at most `until` remain, or `settle` later).
  struct Counts {
    int before, during, after;
  };
  Counts HoldAndEndCalls(int until, absl::Duration settle) {
    if (store_->HeadSequence() == 0) {
      EXPECT_TRUE(Submit(testing::SeedReport()).ok());
    }
    Counts counts;
    counts.before = ServerThreads();
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
    counts.during = ServerThreads();
    for (auto& context : contexts) context->TryCancel();
    for (auto& reader : readers) {
      v1::WatchChangesResponse page;
      while (reader->Read(&page)) {
      }
      EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    }
    const absl::Time end = absl::Now() + settle;
    counts.after = ServerThreads();
    while (counts.after > until && absl::Now() < end) {
      absl::SleepFor(absl::Milliseconds(20));
      counts.after = ServerThreads();
    }
    return counts;
  }
};

// gRPC's own default (2 waiting): the threads the calls took end with them.
using FewWaitingThreadsTest = WaitingThreadsTest;
TEST_P(FewWaitingThreadsTest, ThreadsBeyondThemEndWithTheirCalls) {
  const Counts counts = HoldAndEndCalls(/*until=*/2, absl::Seconds(20));
  EXPECT_LE(counts.before, 2);
  ASSERT_GE(counts.during, kCalls);  // one a call
  EXPECT_LE(counts.after, 2);
}
INSTANTIATE_TEST_SUITE_P(GrpcDefault, FewWaitingThreadsTest, ::testing::Values(2));

// Ours (32 by default): the threads stay for the next calls, and the next calls take them
// instead of starting more.
TEST_P(WaitingThreadsTest, ThreadsThatFinishACallStayForTheNext) {
  const Counts first = HoldAndEndCalls(/*until=*/2, absl::Seconds(1));
  ASSERT_GE(first.during, kCalls);
  EXPECT_EQ(first.after, first.during);
  const Counts second = HoldAndEndCalls(/*until=*/2, absl::Seconds(1));
  EXPECT_EQ(second.before, first.during);
  EXPECT_EQ(second.during, first.during);
  EXPECT_EQ(second.after, first.during);
}
INSTANTIATE_TEST_SUITE_P(Default, WaitingThreadsTest,
                         ::testing::Values(ServerOptions().waiting_threads));

}  // namespace
}  // namespace gongkai

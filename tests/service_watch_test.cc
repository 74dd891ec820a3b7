// WatchChanges through the real gRPC server (the fixture of service_test_fixture.h): the change
// log as a stream, woken by the commit.
#include <chrono>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service_test_fixture.h"
#include "tests/test_util.h"

namespace gongkai {
namespace {

// WatchChanges: the entries written so far, then (following) each new commit as it lands —
// without polling — and the end when the client cancels. Without follow it ends at the head.
TEST_F(ServiceTest, WatchesTheChangeLogAsAStream) {
  v1::Report report = testing::SeedReport();
  ASSERT_TRUE(Submit(report).ok());
  report.mutable_narrative()->set_overview("第二版");
  ASSERT_TRUE(Submit(report).ok());

  v1::WatchChangesRequest request;
  request.set_start_sequence(1);
  request.set_page_size(1);  // a page per entry
  {
    grpc::ClientContext context;
    auto reader = reports_->WatchChanges(&context, request);
    std::vector<int64_t> seen;
    v1::WatchChangesResponse page;
    while (reader->Read(&page)) {
      for (const v1::ChangeEvent& change : page.changes()) seen.push_back(change.sequence());
      EXPECT_EQ(page.next_sequence(), seen.back() + 1);
    }
    EXPECT_TRUE(reader->Finish().ok());  // without follow: ends at the head it found
    EXPECT_THAT(seen, ::testing::ElementsAre(1, 2));
  }

  request.set_start_sequence(3);  // past the head: waits for the next commit
  request.set_follow(true);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = reports_->WatchChanges(&context, request);
  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(200));
    report.mutable_narrative()->set_overview("第三版");
    EXPECT_TRUE(Submit(report).ok());
  });
  v1::WatchChangesResponse page;
  const absl::Time asked = absl::Now();
  ASSERT_TRUE(reader->Read(&page));
  writer.join();
  ASSERT_EQ(page.changes_size(), 1);
  EXPECT_EQ(page.changes(0).sequence(), 3);
  EXPECT_EQ(page.changes(0).revision(), 3);
  EXPECT_EQ(page.next_sequence(), 4);
  EXPECT_LT(absl::Now() - asked, absl::Seconds(5));  // woken by the commit, not a timeout
  context.TryCancel();
  while (reader->Read(&page)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  request.set_start_sequence(-1);
  grpc::ClientContext bad;
  auto refused = reports_->WatchChanges(&bad, request);
  while (refused->Read(&page)) {
  }
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace gongkai

// WatchChanges through the real gRPC server (the fixture of service_test_fixture.h): the change
// log as a stream, woken by the commit; the worker's change feed and runner that follow it.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/report_service.h"
#include "tests/service_test_fixture.h"
#include "tests/test_util.h"
#include "worker/runner/change_feed.h"
#include "worker/runner/runner.h"

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

  request.set_start_sequence(1);
  request.set_view(v1::REPORT_VIEW_FULL);
  request.set_digests(true);  // one or the other
  grpc::ClientContext both;
  auto neither = reports_->WatchChanges(&both, request);
  while (neither->Read(&page)) {
  }
  EXPECT_EQ(neither->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// A server that shuts down ends the streams that follow the log at once, UNAVAILABLE (the
// client follows again from its next sequence once the server is back), rather than holding
// the shutdown for its whole grace period.
TEST_F(ServiceTest, AShutdownEndsTheStreamsThatFollowTheLogAtOnceAsUnavailable) {
  ASSERT_TRUE(Submit(testing::SeedReport()).ok());
  v1::WatchChangesRequest request;
  request.set_start_sequence(1);
  request.set_follow(true);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  auto reader = reports_->WatchChanges(&context, request);
  v1::WatchChangesResponse page;
  ASSERT_TRUE(reader->Read(&page));  // the stream is served, and now waits for a commit
  const absl::Duration grace = absl::Seconds(30);
  const absl::Time asked = absl::Now();
  std::thread stop([&] { server_->Shutdown(grace); });
  while (reader->Read(&page)) {
  }
  const grpc::Status status = reader->Finish();
  stop.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("shutting down"));
  EXPECT_LT(absl::Now() - asked, absl::Seconds(10));  // not held for the grace period
}

// With a view, each new revision of a report comes with its revision, in the order of the
// entries; a page ends at about 2 MiB of revisions, and the next one goes on from there. (Review
// decisions, which carry none, pass through the feed in review_test's worker.)
TEST_F(ServiceTest, WatchCarriesTheRevisionsAndBoundsAPageByTheirSize) {
  v1::Report report = testing::SeedReport();
  std::string long_text;
  for (int j = 0; j < 40000; ++j) long_text += "政";  // 120 KB
  for (int i = 0; i < 24; ++i) {
    report.mutable_narrative()->set_overview(absl::StrCat(i, long_text));
    ASSERT_TRUE(Submit(report).ok());
  }
  v1::WatchChangesRequest request;
  request.set_start_sequence(1);
  request.set_page_size(100);
  request.set_view(v1::REPORT_VIEW_BASIC);
  grpc::ClientContext context;
  auto reader = reports_->WatchChanges(&context, request);
  std::vector<int> page_sizes;
  int64_t expected = 1;
  v1::WatchChangesResponse page;
  while (reader->Read(&page)) {
    page_sizes.push_back(page.changes_size());
    ASSERT_EQ(page.revisions_size(), page.changes_size());
    for (int i = 0; i < page.changes_size(); ++i) {
      EXPECT_EQ(page.changes(i).sequence(), expected++);
      EXPECT_EQ(page.revisions(i).change_sequence(), page.changes(i).sequence());
      EXPECT_EQ(page.revisions(i).revision(), page.changes(i).revision());
      EXPECT_FALSE(page.revisions(i).has_report());  // BASIC
    }
    EXPECT_EQ(page.next_sequence(), expected);
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(expected, 25);
  // BASIC revisions are small: one page.
  EXPECT_THAT(page_sizes, ::testing::ElementsAre(24));

  request.set_view(v1::REPORT_VIEW_FULL);
  grpc::ClientContext full_context;
  auto full = reports_->WatchChanges(&full_context, request);
  page_sizes.clear();
  expected = 1;
  while (full->Read(&page)) {
    page_sizes.push_back(page.changes_size());
    ASSERT_EQ(page.revisions_size(), page.changes_size());
    size_t before_last = 0, bytes = 0;
    for (int i = 0; i < page.changes_size(); ++i) {
      EXPECT_EQ(page.changes(i).sequence(), expected++);
      EXPECT_EQ(page.revisions(i).change_sequence(), page.changes(i).sequence());
      EXPECT_TRUE(page.revisions(i).has_report());
      before_last = bytes;
      bytes += page.revisions(i).ByteSizeLong();
    }
    EXPECT_LE(before_last, size_t{2} << 20);  // under 2 MiB until its last revision
    if (expected < 25) {
      EXPECT_GT(bytes, size_t{2} << 20) << "a page ended early";
    }
    EXPECT_EQ(page.next_sequence(), expected);
  }
  EXPECT_TRUE(full->Finish().ok());
  EXPECT_EQ(expected, 25);
  EXPECT_GE(page_sizes.size(), 2u);  // 24 × 120 KB is more than one page
}

class ChangeFeedTest : public ServiceTest {
 protected:
  // A new revision of the seed report: one more entry in the change log.
  void Revise() {
    v1::Report report = testing::SeedReport();
    report.mutable_narrative()->set_overview(absl::StrCat("第", ++revisions_, "版"));
    ASSERT_TRUE(Submit(report).ok());
  }
  // Takes from `feed` until it has the entries up to `last` (or 10 s pass); their sequences.
  std::vector<int64_t> TakeUntil(worker::ChangeFeed& feed, int64_t from, int64_t last) {
    std::vector<int64_t> seen;
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (from <= last && absl::Now() < give_up) {
      auto taken = feed.Take(from, 100, give_up);
      EXPECT_TRUE(taken.ok()) << taken.status();
      if (!taken.ok()) break;
      for (const worker::ChangeFeed::Change& change : *taken) {
        seen.push_back(change.event.sequence());
        // Each new revision comes with the digest of the revision it names.
        EXPECT_TRUE(change.digest.has_value());
        if (change.digest.has_value()) {
          EXPECT_EQ(change.digest->revision(), change.event.revision());
          EXPECT_EQ(change.digest->key().region_code(), change.event.key().region_code());
          EXPECT_GT(change.digest->cell_indices_size(), 0);
        }
      }
      if (!taken->empty()) from = taken->back().event.sequence() + 1;
    }
    return seen;
  }
  int revisions_ = 0;
};

// Entries come in order, each once, as they are committed; a feed smaller than the backlog
// holds the stream back and loses nothing; reading again means starting again.
TEST_F(ChangeFeedTest, HandsOutEachCommitInOrderAndStartsAgainWhereAsked) {
  for (int i = 0; i < 3; ++i) Revise();
  worker::ChangeFeed feed(reports_.get(), "", /*source=*/nullptr, /*capacity=*/1);
  EXPECT_FALSE(feed.At(1));
  feed.Start(1);
  EXPECT_TRUE(feed.At(1));
  EXPECT_THAT(TakeUntil(feed, 1, 3), ::testing::ElementsAre(1, 2, 3));
  EXPECT_TRUE(feed.At(4));
  EXPECT_FALSE(feed.At(2));  // taken: gone from the feed

  // Nothing new: a Take waits until its deadline and returns nothing.
  auto none = feed.Take(4, 100, absl::Now() + absl::Milliseconds(100));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());

  // Commits made while the feed waits arrive without a new stream.
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) Revise();
  });
  EXPECT_EQ(TakeUntil(feed, 4, 23).size(), 20u);
  writer.join();

  feed.Start(2);  // to read again from 2
  std::vector<int64_t> again = TakeUntil(feed, 2, 23);
  ASSERT_EQ(again.size(), 22u);
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i], static_cast<int64_t>(i) + 2);
}

// In gongkaid the feed runs WatchChanges's handler on its thread, not the stream: the same
// entries with their revisions, held back the same way, started again and stopped at once.
TEST_F(ChangeFeedTest, AnInProcessSourceFeedsTheSameEntries) {
  for (int i = 0; i < 3; ++i) Revise();
  std::atomic<int> streams{0};
  worker::ChangeFeed feed(
      nullptr, "",
      [&](const v1::WatchChangesRequest& request,
          const std::function<bool(v1::WatchChangesResponse&)>& send,
          const std::function<bool()>& cancelled) {
        ++streams;
        return WatchChanges(env_, RequestContext(), request, send, cancelled);
      },
      /*capacity=*/1);
  feed.Start(1);
  EXPECT_THAT(TakeUntil(feed, 1, 3), ::testing::ElementsAre(1, 2, 3));
  std::thread writer([&] {
    for (int i = 0; i < 5; ++i) Revise();
  });
  EXPECT_EQ(TakeUntil(feed, 4, 8).size(), 5u);
  writer.join();
  // Waiting for a commit, the handler notices within 50 ms that its stream was dropped.
  absl::Time asked = absl::Now();
  feed.Start(2);
  EXPECT_LT(absl::Now() - asked, absl::Seconds(1));
  EXPECT_THAT(TakeUntil(feed, 2, 8), ::testing::ElementsAre(2, 3, 4, 5, 6, 7, 8));
  EXPECT_EQ(streams, 2);
  asked = absl::Now();
  feed.Stop();
  auto taken = feed.Take(9, 100, absl::Now() + absl::Seconds(60));
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - asked, absl::Seconds(1));
}

// Stop() ends a waiting Take at once (CANCELLED); a stream the server ends is reported, and the
// feed is no longer positioned anywhere (the worker then starts a new one).
TEST_F(ChangeFeedTest, StopEndsAWaitAndAnEndedStreamIsReported) {
  {
    worker::ChangeFeed feed(reports_.get(), "");
    feed.Start(1);
    std::thread stopper([&] {
      absl::SleepFor(absl::Milliseconds(200));
      feed.Stop();
    });
    const absl::Time asked = absl::Now();
    auto taken = feed.Take(1, 100, absl::Now() + absl::Seconds(60));
    stopper.join();
    EXPECT_EQ(taken.status().code(), absl::StatusCode::kCancelled);
    EXPECT_LT(absl::Now() - asked, absl::Seconds(10));
  }
  worker::ChangeFeed feed(reports_.get(), "");
  feed.Start(1);
  server_->Shutdown(absl::Milliseconds(100));
  auto taken = feed.Take(1, 100, absl::Now() + absl::Seconds(60));
  EXPECT_FALSE(taken.ok());
  EXPECT_FALSE(feed.At(1));
}

// The worker is woken by the commit: with jobs looked for only once an hour, a submitted report
// still reaches the rollups at once.
TEST_F(ChangeFeedTest, TheRunnerAppliesACommitWithoutPolling) {
  worker::RunnerOptions options;
  options.poll_interval = absl::Hours(1);
  options.clock = env_.clock;
  options.log = [](const std::string&) {};
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  auto applied = [&](int64_t sequence) {
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (absl::Now() < give_up) {
      auto checkpoint = store_->WorkerCheckpoint();
      if (checkpoint.ok() && *checkpoint >= sequence) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  };
  EXPECT_TRUE(applied(0));  // started: a checkpoint written
  Revise();
  EXPECT_TRUE(applied(1));
  Revise();
  EXPECT_TRUE(applied(2));
  runner.Stop();
  thread.join();
}

// When Run() returns, the feed's reader has ended: nothing of the worker reaches the server
// afterwards (a reader still starting its stream while the server shut down crashed a test).
TEST_F(ChangeFeedTest, TheRunnersFeedHasEndedWhenItsRunReturns) {
  absl::Notification entered;
  std::atomic<bool> source_ended{false};
  worker::RunnerOptions options;
  options.clock = env_.clock;
  options.log = [](const std::string&) {};
  // A stream that takes a while to notice its cancellation.
  options.watch_changes = [&](const v1::WatchChangesRequest&,
                              const std::function<bool(v1::WatchChangesResponse&)>&,
                              const std::function<bool()>&) {
    if (!entered.HasBeenNotified()) entered.Notify();
    absl::SleepFor(absl::Milliseconds(300));
    source_ended = true;
    return absl::OkStatus();
  };
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(20)));
  runner.Stop();
  thread.join();
  EXPECT_TRUE(source_ended);
}

}  // namespace
}  // namespace gongkai

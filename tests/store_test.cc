// The store: revisions, idempotency, optimistic concurrency, the change log, subtree scans,
// and reopening with everything intact — over a real RocksDB in a fresh directory.
#include "storage/store.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/cells.h"
#include "rocksdb/db.h"
#include "storage/keys.h"
#include "tests/store_test_fixture.h"
#include "tests/test_util.h"

namespace gongkai::storage {
namespace {

using testing::TempDir;

TEST_F(StoreTest, EverySubmissionIsANewRevisionAndAnyRevisionCanBeReadBack) {
  v1::Report first = ReportFor("330226104000", 2019);
  EXPECT_EQ(Submit(first), 1);
  v1::Report second = first;
  second.set_title("更正版");
  EXPECT_EQ(Submit(second), 2);

  auto current = store_->GetRevision(first.key(), 0);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->revision(), 2);
  EXPECT_EQ(current->report().title(), "更正版");
  EXPECT_EQ(current->principal(), "tester");
  auto old = store_->GetRevision(first.key(), 1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->report().title(), first.title());
  EXPECT_EQ(store_->GetRevision(first.key(), 3).status().code(), absl::StatusCode::kNotFound);

  auto revisions = store_->ListRevisions(first.key(), 0, "", false);
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ(revisions->items.size(), 2u);
  EXPECT_EQ(revisions->items[0].revision(), 1);
  EXPECT_FALSE(revisions->items[0].has_report());
}

TEST_F(StoreTest, IdenticalContentIsIdempotent) {
  v1::Report report = ReportFor("330226104000", 2019);
  EXPECT_EQ(Submit(report), 1);
  auto again = store_->Commit(Commit(report));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->revision.revision(), 1);
  EXPECT_EQ(store_->HeadSequence(), 1);
}

TEST_F(StoreTest, AReportIsStoredWithItsKeyNormalizedAndReadBackWhole) {
  v1::Report report = ReportFor("330226104000", 2019, "", v1::SCOPE_UNSPECIFIED);
  report.mutable_narrative()->set_problems("问题");
  EXPECT_EQ(Submit(report), 1);
  auto stored = store_->GetRevision(report.key(), 1);
  ASSERT_TRUE(stored.ok()) << stored.status();
  v1::Report expected = report;
  expected.mutable_key()->set_scope(v1::SCOPE_OWN);
  EXPECT_EQ(stored->report().SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(stored->key().scope(), v1::SCOPE_OWN);
  EXPECT_EQ(stored->revision(), 1);
  EXPECT_EQ(stored->review().state(), v1::REVIEW_STATE_PENDING);
  // The same content with the scope spelled out is the same report, unchanged.
  auto again = store_->Commit(Commit(expected));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
}

TEST_F(StoreTest, StaleExpectedRevisionIsRefusedAndChangesNothing) {
  v1::Report report = ReportFor("330226104000", 2019);
  auto created = store_->Commit(Commit(report, 0));
  ASSERT_TRUE(created.ok());
  v1::Report edited = report;
  edited.set_title("a");
  ASSERT_TRUE(store_->Commit(Commit(edited, 1)).ok());
  v1::Report stale = report;
  stale.set_title("b");
  EXPECT_EQ(store_->Commit(Commit(stale, 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Commit(Commit(stale, 0)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetRevision(report.key(), 0)->report().title(), "a");
  EXPECT_EQ(store_->HeadSequence(), 2);
}

TEST_F(StoreTest, ScopeAndBodyArePartOfTheIdentity) {
  EXPECT_EQ(Submit(ReportFor("330226000000", 2021)), 1);
  EXPECT_EQ(Submit(ReportFor("330226000000", 2021, "", v1::SCOPE_SUMMARY)), 1);
  EXPECT_EQ(Submit(ReportFor("330226000000", 2021, testing::kBodyCode)), 1);
  EXPECT_EQ(store_->HeadSequence(), 3);
}

TEST_F(StoreTest, UnknownRegionIsNotFound) {
  EXPECT_EQ(store_->Commit(Commit(ReportFor("330226999000", 2019))).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->HeadSequence(), 0);
}

TEST_F(StoreTest, ListsASubtreeForAYearInSubtreeOrderAcrossPages) {
  Submit(ReportFor("330226104000", 2019));
  Submit(ReportFor("330226001000", 2019));
  Submit(ReportFor("330226000000", 2019, "", v1::SCOPE_SUMMARY));
  Submit(ReportFor("330226000000", 2019));
  Submit(ReportFor("330226104000", 2020));  // another year
  Submit(ReportFor("441900003000", 2019));  // another province

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = store_->ListReports("330000000000", 2019, 2, token, false);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& revision : page->items) {
      seen.push_back(absl::StrCat(revision.key().region_code(), "/", revision.key().scope()));
    }
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_THAT(seen, ::testing::ElementsAre("330226000000/1", "330226000000/2", "330226001000/1",
                                           "330226104000/1"));
  EXPECT_EQ(pages, 2);

  auto nation = store_->ListReports("000000000000", 2019, 100, "", true);
  ASSERT_TRUE(nation.ok());
  EXPECT_EQ(nation->items.size(), 5u);
  EXPECT_TRUE(nation->items[0].has_report());
  EXPECT_EQ(store_->ListReports("330000000000", 2019, 2, "bm90LWEta2V5", false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ChangeLogIsOrderedGapFreeAndMatchesRevisions) {
  v1::Report report = ReportFor("330226104000", 2019);
  Submit(report);
  Submit(ReportFor("330226001000", 2019));
  report.set_title("x");
  Submit(report);
  auto changes = store_->ReadChanges(1, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*changes)[i].sequence(), i + 1);
  EXPECT_EQ((*changes)[2].revision(), 2);
  EXPECT_EQ((*changes)[2].previous_revision(), 1);
  EXPECT_EQ((*changes)[2].key().region_code(), "330226104000");
  auto tail = store_->ReadChanges(3, 100);
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ(store_->GetRevision(report.key(), 2)->change_sequence(), 3);
}

TEST_F(StoreTest, ConcurrentWritersToOneKeyLoseNoUpdate) {
  constexpr int kWriters = 8;
  constexpr int kAttempts = 10;
  const v1::Report base = ReportFor("330226104000", 2019);
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int a = 0; a < kAttempts; ++a) {
        // Read-modify-write with optimistic concurrency, retrying on conflict.
        for (;;) {
          auto current = store_->GetRevision(base.key(), 0);
          const int64_t expected = current.ok() ? current->revision() : 0;
          v1::Report report = base;
          report.set_title(absl::StrCat("writer ", w, " attempt ", a));
          auto result = store_->Commit(Commit(report, expected));
          if (result.ok()) {
            ++succeeded;
            break;
          }
          ASSERT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), kWriters * kAttempts);
  EXPECT_EQ(store_->GetRevision(base.key(), 0)->revision(), kWriters * kAttempts);
  // The change log has one entry per revision, in revision order.
  auto changes = store_->ReadChanges(1, 1000);
  ASSERT_EQ(changes->size(), static_cast<size_t>(kWriters * kAttempts));
  for (size_t i = 0; i < changes->size(); ++i) {
    EXPECT_EQ((*changes)[i].revision(), static_cast<int64_t>(i + 1));
    EXPECT_EQ((*changes)[i].previous_revision(), static_cast<int64_t>(i));
  }
}

TEST_F(StoreTest, ConcurrentCommitsAreGroupedYetDecidedOneAfterTheOther) {
  // 32 threads at once: 16 send the same new report (one creates it, the others find it
  // unchanged, whichever group they land in), 16 send distinct reports of other keys.
  constexpr int kThreads = 32;
  std::vector<absl::StatusOr<CommitResult>> results(kThreads, absl::UnknownError("unset"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      v1::Report report = ReportFor("330226104000", 2019);
      if (t % 2 == 1) report.mutable_key()->set_year(2019 + 1 + (t / 2) % 5);
      if (t % 2 == 1) report.set_title(absl::StrCat("distinct ", t));
      results[t] = store_->Commit(Commit(std::move(report)));
    });
  }
  for (std::thread& thread : threads) thread.join();
  int created_same = 0;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(results[t].ok()) << results[t].status();
    if (t % 2 == 0) {
      EXPECT_EQ(results[t]->revision.revision(), 1);
      created_same += results[t]->created ? 1 : 0;
    }
  }
  EXPECT_EQ(created_same, 1);
  // Every created revision has its own change, in one gap-free log matching the revisions.
  auto changes = store_->ReadChanges(1, 1000);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(static_cast<int64_t>(changes->size()), store_->HeadSequence());
  for (size_t i = 0; i < changes->size(); ++i) {
    const v1::ChangeEvent& change = (*changes)[i];
    EXPECT_EQ(change.sequence(), static_cast<int64_t>(i) + 1);
    EXPECT_EQ(change.previous_revision(), change.revision() - 1);
    auto revision = store_->GetRevision(change.key(), change.revision());
    ASSERT_TRUE(revision.ok()) << revision.status();
    EXPECT_EQ(revision->change_sequence(), change.sequence());
  }
}

TEST_F(StoreTest, ReopeningKeepsEverything) {
  v1::Report report = ReportFor("330226104000", 2019);
  Submit(report);
  report.set_title("second");
  Submit(report);
  Reopen();
  EXPECT_EQ(store_->registry()->size(), testing::SmallRegistry().size());
  EXPECT_EQ(store_->HeadSequence(), 2);
  auto current = store_->GetRevision(report.key(), 0);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->revision(), 2);
  EXPECT_EQ(current->report().SerializeAsString(), report.SerializeAsString());
  // Sequences continue after the reopen.
  report.set_title("third");
  Submit(report);
  EXPECT_EQ(store_->ReadChanges(3, 10)->at(0).sequence(), 3);
}

TEST_F(StoreTest, ReopeningWithAnEmptyChangeLogStartsItAtOne) {
  // The registry's keys sort below the change log's: they must not be read as its head.
  Reopen();
  EXPECT_EQ(store_->HeadSequence(), 0);
  auto result = store_->Commit(Commit(ReportFor("330226104000", 2019)));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->revision.change_sequence(), 1);
}

TEST_F(StoreTest, FullListingsEndPagesEarlyToFitAMessage) {
  for (const char* code : {"330226104000", "330226001000", "330226000000", "441900003000"}) {
    v1::Report report = ReportFor(code, 2019);
    report.mutable_narrative()->set_overview(std::string(1'500'000, 'x'));
    Submit(report);
  }
  auto page = store_->ListReports("000000000000", 2019, 100, "", true);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 2u);  // 2 MiB reached after two 1.5 MB reports
  auto rest = store_->ListReports("000000000000", 2019, 100, page->next_page_token, true);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->items.size(), 2u);
  EXPECT_TRUE(rest->next_page_token.empty());
}

TEST_F(StoreTest, ARollupIsKeptWithoutItsCellLabelsAndReadWithTheSchemas) {
  // As the worker builds it (field paths only), and as a client of WriteResults might send it
  // (with labels, here wrong ones): both are read back with the schema's labels.
  v1::Rollup unlabelled;
  unlabelled.set_region_code("330226000000");
  unlabelled.set_year(2019);
  v1::SharedCell* cell = unlabelled.add_shared();
  cell->set_field_path("table3.new_requests.total");
  cell->set_sum(7);
  cell->set_contributors(2);
  v1::Rollup labelled = unlabelled;
  labelled.set_region_code("330226104000");
  labelled.mutable_shared(0)->set_table("x");
  labelled.mutable_shared(0)->set_row("y");
  ASSERT_TRUE(
      store_->WriteResults(2019, testing::Repeated({unlabelled, labelled}), {}, std::nullopt).ok());
  for (const char* code : {"330226000000", "330226104000"}) {
    absl::StatusOr<v1::Rollup> read = store_->GetRollup(code, 2019);
    ASSERT_TRUE(read.ok()) << read.status();
    ASSERT_EQ(read->shared_size(), 1);
    const v1::SharedCell& got = read->shared(0);
    EXPECT_EQ(got.table(), "三") << code;
    EXPECT_EQ(got.row(), "一、本年新收政府信息公开申请数量") << code;
    EXPECT_EQ(got.column(), "总计") << code;
    EXPECT_EQ(got.sum(), 7);
    EXPECT_EQ(got.contributors(), 2);
  }
}

TEST_F(StoreTest, AFlagIsKeptWithoutItsCellLabelsAndReadWithItsEditionsSchema) {
  // As the worker builds it (field paths and the edition) and as a client might send it (with
  // labels, here wrong ones): both read back with the edition's labels, whichever read it is.
  v1::AnomalySet unlabelled;
  unlabelled.set_region_code("330226000000");
  unlabelled.set_year(2021);
  v1::Anomaly* flag = unlabelled.add_anomalies();
  flag->set_kind(v1::ANOMALY_KIND_ZERO_PUBLICATION);
  flag->set_edition(v1::EDITION_2021);
  flag->add_cells()->set_field_path("table3.new_requests.total");
  v1::AnomalySet labelled = unlabelled;
  labelled.set_region_code("330226104000");
  labelled.mutable_anomalies(0)->mutable_cells(0)->set_table("x");
  labelled.mutable_anomalies(0)->mutable_cells(0)->set_row("y");
  ASSERT_TRUE(
      store_->WriteResults(2021, {}, testing::Repeated({unlabelled, labelled}), std::nullopt).ok());
  auto expect_labelled = [](const v1::Anomaly& got, const std::string& code) {
    ASSERT_EQ(got.cells_size(), 1);
    EXPECT_EQ(got.cells(0).table(), "三") << code;
    EXPECT_EQ(got.cells(0).row(), "一、本年新收政府信息公开申请数量") << code;
    EXPECT_EQ(got.cells(0).column(), "总计") << code;
  };
  for (const std::string code : {"330226000000", "330226104000"}) {
    absl::StatusOr<v1::AnomalySet> at = store_->AnomaliesAt(code, 2021);
    ASSERT_TRUE(at.ok()) << at.status();
    ASSERT_EQ(at->anomalies_size(), 1);
    expect_labelled(at->anomalies(0), code);
    auto page = store_->ListAnomalies(code, 2021, 10, "", [](const v1::Anomaly&) { return true; });
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_FALSE(page->items.empty());  // the county's listing has its township's flag too
    for (const v1::Anomaly& listed : page->items) expect_labelled(listed, code);
  }
  // What the store holds: the field path alone.
  const std::string key = keys::AnomaliesKey(2021, store_->Tree(2021)->PathOf("330226104000"));
  store_.reset();
  std::string value;
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir_.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), key, &value).ok());
  }
  v1::AnomalySet kept;
  ASSERT_TRUE(kept.ParseFromString(value));
  EXPECT_FALSE(HasCellLabels(kept));
  EXPECT_EQ(kept.anomalies(0).cells(0).field_path(), "table3.new_requests.total");
}

TEST_F(StoreTest, ACraftedAnomalyPageTokenIsRefused) {
  v1::AnomalySet set;
  set.set_region_code("330226104000");
  set.set_year(2019);
  set.add_anomalies()->set_kind(v1::ANOMALY_KIND_MISSING_REPORT);
  ASSERT_TRUE(store_->WriteResults(2019, {}, testing::Repeated({set}), std::nullopt).ok());
  const auto path = store_->Tree(2019)->PathOf("330226104000");
  for (uint64_t index : {~0ull, 0xFFFFFFFF80000000ull, 1ull << 31}) {
    std::string token = keys::AnomaliesKey(2019, path);
    keys::AppendBigEndian64(&token, index);
    auto page = store_->ListAnomalies("330226104000", 2019, 10,
                                      keys::PageToken(keys::AnomaliesPrefix(2019, path), token),
                                      [](const v1::Anomaly&) { return true; });
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  }
  // A bare key (not a token of this listing) is refused too.
  std::string bare = keys::AnomaliesKey(2019, path);
  keys::AppendBigEndian64(&bare, 0);
  EXPECT_EQ(store_
                ->ListAnomalies("330226104000", 2019, 10, absl::WebSafeBase64Escape(bare),
                                [](const v1::Anomaly&) { return true; })
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // An index past the end of the set just ends the listing.
  std::string token = keys::AnomaliesKey(2019, path);
  keys::AppendBigEndian64(&token, 5);
  auto page = store_->ListAnomalies("330226104000", 2019, 10,
                                    keys::PageToken(keys::AnomaliesPrefix(2019, path), token),
                                    [](const v1::Anomaly&) { return true; });
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
}

TEST_F(StoreTest, AJobClaimedBeforeARestartIsQueuedAgain) {
  ASSERT_TRUE(store_->CreateJob(2019, "000000000000", absl::Now()).ok());
  auto claimed = store_->ClaimJob(absl::Now());
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(store_->ClaimJob(absl::Now()).status().code(), absl::StatusCode::kNotFound);
  Reopen();
  auto again = store_->ClaimJob(absl::Now());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id(), claimed->id());
}

TEST_F(StoreTest, JobsAreClaimedOnceEachInTheOrderTheyWereMade) {
  EXPECT_EQ(store_->ClaimJob(absl::Now()).status().code(), absl::StatusCode::kNotFound);
  for (int year : {2019, 2020}) ASSERT_TRUE(store_->CreateJob(year, "", absl::Now()).ok());
  for (int year : {2019, 2020}) {
    auto claimed = store_->ClaimJob(absl::Now());
    ASSERT_TRUE(claimed.ok());
    EXPECT_EQ(claimed->year(), year);
    EXPECT_EQ(claimed->state(), v1::JOB_STATE_RUNNING);
    claimed->set_state(v1::JOB_STATE_SUCCEEDED);
    ASSERT_TRUE(store_->FinishJob(*claimed).ok());
  }
  EXPECT_EQ(store_->ClaimJob(absl::Now()).status().code(), absl::StatusCode::kNotFound);
  // One made after the queue ran dry, and one still waiting across a restart.
  ASSERT_TRUE(store_->CreateJob(2021, "", absl::Now()).ok());
  ASSERT_TRUE(store_->CreateJob(2022, "", absl::Now()).ok());
  auto third = store_->ClaimJob(absl::Now());
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->year(), 2021);
  Reopen();
  auto fourth = store_->ClaimJob(absl::Now());
  ASSERT_TRUE(fourth.ok());
  EXPECT_EQ(fourth->year(), 2021);  // claimed, not finished, before the restart: queued again
  auto fifth = store_->ClaimJob(absl::Now());
  ASSERT_TRUE(fifth.ok());
  EXPECT_EQ(fifth->year(), 2022);
  EXPECT_EQ(store_->ClaimJob(absl::Now()).status().code(), absl::StatusCode::kNotFound);
}

TEST(StoreOpenTest, RefusesADataDirectoryWithAnotherKeyLayout) {
  TempDir dir;
  ASSERT_TRUE(Store::Open(dir.path()).ok());  // records the layout version
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), keys::MetaKey("layout_version"), "1").ok());
  }
  auto reopened = Store::Open(dir.path());
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StoreOpenTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  TempDir dir;
  auto first = Store::Open(dir.path());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Store::Open(dir.path()).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(StoreTest, TheMemtablesAndTheBlockCacheShareOneMemoryBudget) {
  // 8 MiB for both, half each; 160 reports with 64 KiB of narrative each written (the text is
  // stored in the revision and in its digest). RocksDB's own default memtable (64 MiB) would
  // hold all of them.
  constexpr uint64_t kBudget = 8 << 20;
  StoreOptions options;
  options.memory_bytes = kBudget;
  options.sync = false;
  Reopen(options);
  EXPECT_EQ(store_->GetStatistics().cache_capacity_bytes, kBudget / 2);
  uint64_t most = 0;
  std::vector<v1::Report> written;
  for (int i = 0; i < 160; ++i) {
    v1::Report report = ReportFor("330226104000", 2022, absl::StrCat("部门", i));
    std::string text;
    while (text.size() < 64 << 10) absl::StrAppend(&text, "问题", i, "-", text.size(), "；");
    report.mutable_narrative()->set_problems(text);
    ASSERT_EQ(Submit(report), 1);
    written.push_back(std::move(report));
    const Store::Statistics stats = store_->GetStatistics();
    most = std::max(most, stats.memtable_bytes);
    EXPECT_LE(stats.cache_bytes, kBudget / 2 + (1 << 20));
  }
  // Two memtables of a quarter each at most (an arena's last block may pass its size a little).
  EXPECT_GT(most, 0u);
  EXPECT_LE(most, kBudget / 2 + (1 << 20));
  for (const v1::Report& report : written) {
    auto stored = store_->GetRevision(report.key(), 0);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->report().narrative().problems(), report.narrative().problems());
  }
}

}  // namespace
}  // namespace gongkai::storage

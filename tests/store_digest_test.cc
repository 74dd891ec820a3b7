// The store's other records: each report's digest (kept with its current revision, and made
// on opening a layout-3 directory), and a registry reload's effect on the reports and results —
// over a real RocksDB in a fresh directory.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gongkai/v1/rollup_service.pb.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "proto/digest.h"
#include "proto/report_key.h"
#include "rocksdb/db.h"
#include "storage/keys.h"
#include "storage/store.h"
#include "tests/store_test_fixture.h"
#include "tests/test_util.h"

namespace gongkai::storage {
namespace {

using testing::TempDir;

// What a digest listing holds, as "code/scope@revision:review state".
std::vector<std::string> Digests(const Store& store, int year, int page_size = 0) {
  std::vector<std::string> out;
  std::string token;
  do {
    google::protobuf::RepeatedPtrField<v1::ReportDigest> digests;
    auto next = store.ListDigests(year, page_size, token, &digests);
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok()) break;
    for (const v1::ReportDigest& digest : digests) {
      out.push_back(absl::StrCat(digest.key().region_code(), "/", digest.key().scope(), "@",
                                 digest.revision(), ":", digest.review_state()));
    }
    token = *next;
  } while (!token.empty());
  return out;
}

// A reviewer's decision about the key's current revision.
ReviewRequest Decision(const v1::ReportKey& key, v1::ReviewAction action) {
  ReviewRequest decision;
  decision.key = key;
  decision.action = action;
  decision.principal = "reviewer";
  decision.time = absl::FromUnixSeconds(1700000100);
  return decision;
}

// Every listed digest is the digest of its report's current revision, review included; and
// the digests listed region by region (ListDigestsAt) are the same ones.
void ExpectDigestsOfCurrentRevisions(const Store& store, int year) {
  google::protobuf::RepeatedPtrField<v1::ReportDigest> digests;
  auto next = store.ListDigests(year, 0, "", &digests);
  ASSERT_TRUE(next.ok()) << next.status();
  std::multiset<std::string> listed, at_regions;
  std::set<std::string> regions;
  for (const v1::ReportDigest& digest : digests) {
    auto current = store.GetRevision(digest.key(), 0);
    ASSERT_TRUE(current.ok()) << current.status();
    EXPECT_EQ(digest.SerializeAsString(), DigestOf(*current).SerializeAsString())
        << digest.key().ShortDebugString();
    listed.insert(digest.SerializeAsString());
    regions.insert(digest.key().region_code());
  }
  for (const std::string& region : regions) {
    auto at = store.ListDigestsAt(region, year);
    ASSERT_TRUE(at.ok()) << at.status();
    for (const v1::ReportDigest& digest : *at) at_regions.insert(digest.SerializeAsString());
  }
  EXPECT_EQ(listed, at_regions);
}

TEST_F(StoreTest, EachCurrentRevisionHasADigestThatFollowsReviewsAndWithdrawals) {
  v1::Report town = ReportFor("330226104000", 2019);
  Submit(town);
  Submit(ReportFor("330226000000", 2019, "", v1::SCOPE_SUMMARY));
  Submit(ReportFor("441900003000", 2019));
  Submit(ReportFor("330226104000", 2020));  // another year
  // Report id order: year, then code, then scope.
  EXPECT_THAT(
      Digests(*store_, 2019, 2),
      ::testing::ElementsAre("330226000000/2@1:1", "330226104000/1@1:1", "441900003000/1@1:1"));
  EXPECT_THAT(Digests(*store_, 2020), ::testing::ElementsAre("330226104000/1@1:1"));
  EXPECT_THAT(Digests(*store_, 2021), ::testing::IsEmpty());
  ExpectDigestsOfCurrentRevisions(*store_, 2019);

  town.mutable_table3()->mutable_new_requests()->set_total(77);
  EXPECT_EQ(Submit(town), 2);
  const ReviewRequest approve = Decision(town.key(), v1::REVIEW_ACTION_APPROVE);
  ASSERT_TRUE(store_->Review(approve).ok());
  EXPECT_THAT(
      Digests(*store_, 2019),
      ::testing::ElementsAre("330226000000/2@1:1", "330226104000/1@2:3", "441900003000/1@1:1"));
  ExpectDigestsOfCurrentRevisions(*store_, 2019);

  ReviewRequest withdraw = approve;
  withdraw.action = v1::REVIEW_ACTION_WITHDRAW;
  withdraw.reasons = {"重复提交"};
  ASSERT_TRUE(store_->Review(withdraw).ok());
  EXPECT_THAT(Digests(*store_, 2019),
              ::testing::ElementsAre("330226000000/2@1:1", "441900003000/1@1:1"));
  // A new submission restores it.
  town.mutable_table3()->mutable_new_requests()->set_total(78);
  EXPECT_EQ(Submit(town), 4);
  EXPECT_THAT(
      Digests(*store_, 2019),
      ::testing::ElementsAre("330226000000/2@1:1", "330226104000/1@4:1", "441900003000/1@1:1"));
  ExpectDigestsOfCurrentRevisions(*store_, 2019);
}

// What the change feed carries for each new revision (WatchChanges with digests): the digest
// DigestOf makes of the revision as GetRevision reads it — the stored one for the current
// revision (with its review as it is now), one made from the record for an earlier revision,
// and a withdrawal's key and revision alone.
TEST_F(StoreTest, EveryRevisionsDigestIsTheOneItsRevisionMakes) {
  v1::Report town = ReportFor("330226104000", 2019);
  Submit(town);
  town.mutable_table3()->mutable_new_requests()->set_total(77);
  town.mutable_narrative()->set_problems("仍存在不足：一是公开的深度不够；二是解读形式单一。");
  EXPECT_EQ(Submit(town), 2);
  const ReviewRequest approve = Decision(town.key(), v1::REVIEW_ACTION_APPROVE);
  ASSERT_TRUE(store_->Review(approve).ok());
  auto expect_digests = [&](int64_t revisions) {
    for (int64_t revision = 1; revision <= revisions; ++revision) {
      auto digest = store_->GetDigest(town.key(), revision);
      auto read = store_->GetRevision(town.key(), revision);
      ASSERT_TRUE(digest.ok()) << digest.status();
      ASSERT_TRUE(read.ok()) << read.status();
      EXPECT_EQ(digest->SerializeAsString(), DigestOf(*read).SerializeAsString()) << revision;
      EXPECT_EQ(digest->withdrawn(), read->withdrawn()) << revision;
    }
  };
  expect_digests(2);
  EXPECT_EQ(store_->GetDigest(town.key(), 2)->review_state(), v1::REVIEW_STATE_APPROVED);
  ReviewRequest withdraw = approve;
  withdraw.action = v1::REVIEW_ACTION_WITHDRAW;
  withdraw.reasons = {"重复提交"};
  ASSERT_TRUE(store_->Review(withdraw).ok());
  expect_digests(3);
  const v1::ReportDigest withdrawal = *store_->GetDigest(town.key(), 3);
  EXPECT_TRUE(withdrawal.withdrawn());
  EXPECT_EQ(withdrawal.cell_indices_size(), 0);
  town.mutable_table3()->mutable_new_requests()->set_total(78);
  EXPECT_EQ(Submit(town), 4);
  expect_digests(4);
  EXPECT_EQ(store_->GetDigest(town.key(), 5).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetDigest(ReportFor("441900003000", 2019).key(), 1).status().code(),
            absl::StatusCode::kNotFound);
}

// A new revision committed between GetDigest's two reads (the head, then the stored digest)
// leaves the digest of the new revision where the head said the asked one was current; the
// asked revision's digest is then made from its record. The interleaving is set up on disk:
// the head of revision 1 beside the digest of revision 2.
TEST_F(StoreTest, ADigestCommittedAfterTheHeadWasReadIsNotTakenForTheAskedRevision) {
  v1::Report town = ReportFor("330226104000", 2019);
  Submit(town);
  auto first = store_->GetRevision(town.key(), 1, /*full=*/false);
  ASSERT_TRUE(first.ok()) << first.status();
  const v1::ReportDigest expected = DigestOf(*store_->GetRevision(town.key(), 1));
  town.mutable_table3()->mutable_new_requests()->set_total(77);
  EXPECT_EQ(Submit(town), 2);
  store_.reset();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), keys::HeadKey(ReportId(first->key())),
                        first->SerializeAsString())
                    .ok());
  }
  Reopen();
  auto digest = store_->GetDigest(town.key(), 1);
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(digest->revision(), 1);
  EXPECT_EQ(digest->SerializeAsString(), expected.SerializeAsString());
}

// The worker reads each page into a response on an arena of its own: the digests are parsed
// there, after what the field already holds, and the token leads to the next page.
TEST_F(StoreTest, ADigestPageIsParsedOntoTheCallersArenaAfterWhatItHolds) {
  Submit(ReportFor("330226104000", 2019));
  Submit(ReportFor("441900003000", 2019));
  google::protobuf::Arena arena;
  auto* response = google::protobuf::Arena::CreateMessage<v1::ListReportDigestsResponse>(&arena);
  response->add_digests()->set_revision(99);  // held before
  auto next = store_->ListDigests(2019, 1, "", response->mutable_digests());
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_FALSE(next->empty());
  ASSERT_EQ(response->digests_size(), 2);
  EXPECT_EQ(response->digests(0).revision(), 99);
  EXPECT_EQ(response->digests(1).key().region_code(), "330226104000");
  EXPECT_EQ(response->digests(1).GetArena(), &arena);
  next = store_->ListDigests(2019, 1, *next, response->mutable_digests());
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_TRUE(next->empty());
  ASSERT_EQ(response->digests_size(), 3);
  EXPECT_EQ(response->digests(2).key().region_code(), "441900003000");
}

TEST_F(StoreTest, AReloadedRegistryThatMovesARegionKeepsItsReportsAndDropsTheResults) {
  v1::Report report = ReportFor("330226104000", 2019);
  Submit(report);
  v1::Rollup rollup;
  rollup.set_region_code("330226000000");
  ASSERT_TRUE(store_->WriteResults(2019, testing::Repeated({rollup}), {}, 1).ok());
  ASSERT_EQ(*store_->WorkerCheckpoint(), 1);
  // 一市镇 moves from 宁海县 to 东莞市 (a boundary change).
  auto regions = testing::SmallRegistry();
  for (auto& region : regions) {
    if (region.code() == "330226104000") region.set_parent_code("441900000000");
  }
  ASSERT_TRUE(store_->LoadRegistry(regions).ok());
  // The results are dropped, and the checkpoint that covered them: a worker's next start rolls
  // every year up again.
  EXPECT_EQ(store_->GetRollup("330226000000", 2019).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->WorkerCheckpoint(), 0);
  auto current = store_->GetRevision(report.key(), 0);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->revision(), 1);
  EXPECT_TRUE(store_->ListReports("330226000000", 2019, 100, "", false)->items.empty());
  auto moved = store_->ListReports("441900000000", 2019, 100, "", false);
  ASSERT_TRUE(moved.ok());
  ASSERT_EQ(moved->items.size(), 1u);
  EXPECT_EQ(moved->items[0].key().region_code(), "330226104000");
  // The same content is still recognised: no new revision.
  auto again = store_->Commit(Commit(report));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  // And the move survives a restart.
  Reopen();
  EXPECT_EQ(store_->ListReports("441900000000", 2019, 100, "", false)->items.size(), 1u);
}

TEST_F(StoreTest, ResultsBuiltOnACheckpointTheStoreDroppedAreRefusedWhole) {
  Submit(ReportFor("330226104000", 2019));
  v1::Rollup county;
  county.set_region_code("330226000000");
  v1::Rollup town;
  town.set_region_code("330226104000");
  // Rollups of 2019 with a checkpoint (or none), built on `base`.
  auto write = [&](std::initializer_list<v1::Rollup> rollups, std::optional<int64_t> checkpoint,
                   int64_t base) {
    return store_->WriteResults(2019, testing::Repeated(rollups), {}, checkpoint,
                                /*replace_year=*/false, WriteSync::kSynced, base);
  };
  // A writer's results build on the checkpoint it last wrote; a checkpoint never moves back.
  ASSERT_TRUE(store_->WriteResults(2019, testing::Repeated({county}), {}, 1).ok());
  ASSERT_TRUE(write({}, 1, 1).ok());
  // A base behind the stored checkpoint is no drop (the writer lost the answer to its last
  // write, say): taken.
  ASSERT_TRUE(write({}, 1, 0).ok());
  absl::Status behind = write({}, 0, 1);
  EXPECT_EQ(behind.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(behind.message(),
              ::testing::HasSubstr("checkpoint 0 is behind the stored checkpoint 1"));
  // A reload drops the results and the checkpoint: a write that built on them is refused, with
  // or without a checkpoint of its own (and before its regions are looked up), and nothing of
  // it is stored.
  ASSERT_TRUE(store_->LoadRegistry(testing::SmallRegistry()).ok());
  ASSERT_EQ(*store_->WorkerCheckpoint(), 0);
  for (std::optional<int64_t> checkpoint : {std::optional<int64_t>(2), std::optional<int64_t>()}) {
    absl::Status dropped = write({county, town}, checkpoint, 1);
    EXPECT_EQ(dropped.code(), absl::StatusCode::kAborted);
    EXPECT_THAT(dropped.message(), ::testing::HasSubstr("stored checkpoint 0 is behind 1"));
  }
  v1::Rollup unknown;
  unknown.set_region_code("999999000000");
  EXPECT_EQ(write({unknown}, 2, 1).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(*store_->WorkerCheckpoint(), 0);
  for (const char* code : {"330226000000", "330226104000"}) {
    EXPECT_EQ(store_->GetRollup(code, 2019).status().code(), absl::StatusCode::kNotFound) << code;
  }
  // Built on what the store holds, the same write goes through.
  ASSERT_TRUE(write({county, town}, 2, 0).ok());
  EXPECT_EQ(*store_->WorkerCheckpoint(), 2);
  EXPECT_TRUE(store_->GetRollup("330226104000", 2019).ok());
}

TEST(StoreOpenTest, ALayout3DirectoryGetsItsReportsDigestsOnOpen) {
  TempDir dir;
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->LoadRegistry(testing::SmallRegistry()).ok());
    for (const char* code : {"330226104000", "330226001000", "441900003000"}) {
      ASSERT_TRUE((*store)->Commit(Commit(ReportFor(code, 2019))).ok());
    }
    ReviewRequest withdraw;
    withdraw.key = ReportFor("330226001000", 2019).key();
    withdraw.action = v1::REVIEW_ACTION_WITHDRAW;
    withdraw.reasons = {"重复提交"};
    ASSERT_TRUE((*store)->Review(withdraw).ok());
  }
  {
    // What a layout-3 gongkaid left: no digests.
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::string prefix(1, keys::kDigest);
    ASSERT_TRUE(db->DeleteRange(rocksdb::WriteOptions(), db->DefaultColumnFamily(), prefix,
                                keys::PrefixEnd(prefix))
                    .ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), keys::MetaKey("layout_version"), "3").ok());
  }
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_THAT(Digests(**store, 2019),
              ::testing::ElementsAre("330226104000/1@1:1", "441900003000/1@1:1"));
  ExpectDigestsOfCurrentRevisions(**store, 2019);
  store->reset();
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir.path(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string version;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), keys::MetaKey("layout_version"), &version).ok());
  EXPECT_EQ(version, "4");
}

// The worker's listing of a whole year is a bulk scan: it leaves the block cache as it was
// (its blocks would only push out the point reads'), while point reads of the same reports do
// fill it.
TEST_F(StoreTest, ListingAYearsDigestsLeavesTheBlockCacheAsItWas) {
  StoreOptions options;
  options.memory_bytes = 8 << 20;  // memtables of 2 MiB: the year's records reach tables
  options.sync = false;            // (no fsync per commit: this test is not about durability)
  Reopen(options);
  constexpr int kReports = 3000;
  for (int i = 0; i < kReports; ++i) {
    Submit(ReportFor("330226104000", 2019, absl::StrCat("部门", i)));
  }
  Reopen(options);  // an empty cache
  const uint64_t before = store_->GetStatistics().cache_bytes;
  EXPECT_EQ(Digests(*store_, 2019).size(), kReports);
  EXPECT_EQ(store_->GetStatistics().cache_bytes, before);
  for (int i = 0; i < kReports; i += 100) {
    ASSERT_TRUE(
        store_->GetRevision(ReportFor("330226104000", 2019, absl::StrCat("部门", i)).key(), 0)
            .ok());
  }
  EXPECT_GT(store_->GetStatistics().cache_bytes, before);
}

}  // namespace
}  // namespace gongkai::storage

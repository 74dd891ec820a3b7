// Injected disk faults under the real RocksDB: while writes fail (a full disk, a read-only
// disk) commits answer UNAVAILABLE, nothing partial becomes visible and reads go on; once the
// fault clears the store resumes by itself, the change log continues without a gap, and a
// reopened database holds exactly the acknowledged commits. Also which writes wait for the
// log's sync (the in-process worker's results do not).
#include <atomic>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/store.h"
#include "tests/test_util.h"

namespace gongkai::storage {
namespace {

enum class Fault { kNone, kNoSpace, kReadOnly };

// A file system whose writes fail on demand: appends with ENOSPC, or syncs and new files with
// EROFS. It counts the syncs of RocksDB's write-ahead log.
class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }
  void Set(Fault fault) { fault_ = fault; }
  int log_syncs() const { return log_syncs_; }

  rocksdb::IOStatus Check(Fault when) const {
    if (fault_ != when) return rocksdb::IOStatus::OK();
    if (when == Fault::kNoSpace) return rocksdb::IOStatus::NoSpace("injected: no space left");
    return rocksdb::IOStatus::IOError("injected: read-only file system");
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (rocksdb::IOStatus s = Check(Fault::kReadOnly); !s.ok()) return s;
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) {
      *result = std::make_unique<File>(std::move(file), this, absl::EndsWith(name, ".log"));
    }
    return s;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, FaultyFileSystem* fs, bool log)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), log_(log) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = fs_->Check(Fault::kNoSpace); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = fs_->Check(Fault::kNoSpace); !s.ok()) return s;
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = fs_->Check(Fault::kReadOnly); !s.ok()) return s;
      fs_->log_syncs_ += log_;
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (rocksdb::IOStatus s = fs_->Check(Fault::kReadOnly); !s.ok()) return s;
      fs_->log_syncs_ += log_;
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    FaultyFileSystem* const fs_;
    const bool log_;
  };

  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<int> log_syncs_{0};
};

CommitRequest CommitOf(const std::string& region, const std::string& title) {
  CommitRequest request;
  request.report = testing::SeedReport();
  request.report.mutable_key()->set_region_code(region);
  request.report.set_title(title);
  request.principal = "tester";
  request.time = absl::FromUnixSeconds(1700000000);
  return request;
}

class StoreFaultTest : public ::testing::TestWithParam<Fault> {};

// Long by design: one story in order — writes before the fault, during it (every kind of
// write), and after it — whose steps depend on the ones before.
TEST_P(StoreFaultTest, WritesFailCleanlyWhileTheDiskFailsAndResumeAfterwards) {
  testing::TempDir dir;
  auto fs = std::make_shared<FaultyFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  {
    StoreOptions options;
    options.env = env.get();
    auto store = Store::Open(dir.path(), options);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->LoadRegistry(testing::SmallRegistry()).ok());
    ASSERT_TRUE((*store)->Commit(CommitOf("330226104000", "first")).ok());

    fs->Set(GetParam());
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto failed = (*store)->Commit(CommitOf("330226001000", "during the fault"));
      ASSERT_FALSE(failed.ok());
      EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
      auto changed = (*store)->Commit(CommitOf("330226104000", "changed during the fault"));
      EXPECT_EQ(changed.status().code(), absl::StatusCode::kUnavailable);
    }
    // Nothing partial is visible, and reads go on.
    EXPECT_EQ((*store)->HeadSequence(), 1);
    auto first = (*store)->GetRevision(CommitOf("330226104000", "").report.key(), 0);
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(first->revision(), 1);
    EXPECT_EQ(first->report().title(), "first");
    EXPECT_EQ((*store)->GetRevision(CommitOf("330226001000", "").report.key(), 0).status().code(),
              absl::StatusCode::kNotFound);

    // The fault clears. A full disk is resumed in place (RocksDB recovers by itself; writes
    // answer UNAVAILABLE meanwhile); any other write error needs the database reopened, which
    // the store says (gongkaid then exits for its supervisor to restart it).
    fs->Set(Fault::kNone);
    if (GetParam() == Fault::kNoSpace) {
      EXPECT_FALSE((*store)->NeedsReopen());
      absl::StatusOr<CommitResult> after = absl::UnavailableError("not tried");
      const absl::Time give_up = absl::Now() + absl::Seconds(20);
      while (!after.ok() && absl::Now() < give_up) {
        after = (*store)->Commit(CommitOf("330226001000", "after the fault"));
        if (!after.ok()) {
          EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable) << after.status();
          absl::SleepFor(absl::Milliseconds(50));
        }
      }
      ASSERT_TRUE(after.ok()) << after.status().ToString();
      EXPECT_EQ(after->revision.change_sequence(), 2);
    } else {
      EXPECT_TRUE((*store)->NeedsReopen());
      auto refused = (*store)->Commit(CommitOf("330226001000", "after the fault"));
      EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
      EXPECT_TRUE((*store)->GetRevision(CommitOf("330226104000", "").report.key(), 0).ok());
    }
  }
  if (GetParam() == Fault::kReadOnly) {
    // The restart: reopened (on the same, now healed, file system) it writes again. A commit
    // whose log record was written but whose sync failed may come back on recovery: its caller
    // was told UNAVAILABLE, and a resubmission is idempotent; it comes back whole.
    StoreOptions options;
    options.env = env.get();
    auto store = Store::Open(dir.path(), options);
    ASSERT_TRUE(store.ok()) << store.status();
    auto after = (*store)->Commit(CommitOf("330226001000", "after the fault"));
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(after->revision.change_sequence(), (*store)->HeadSequence());
  }
  // Reopened on the plain file system: every acknowledged commit, and a change log without a
  // gap whose every entry reads back.
  auto reopened = Store::Open(dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  const int64_t head = (*reopened)->HeadSequence();
  EXPECT_GE(head, 2);
  EXPECT_LE(head, 3);
  auto changes = (*reopened)->ReadChanges(1, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(static_cast<int64_t>(changes->size()), head);
  for (int64_t i = 0; i < head; ++i) {
    const v1::ChangeEvent& change = (*changes)[i];
    EXPECT_EQ(change.sequence(), i + 1);
    auto revision = (*reopened)->GetRevision(change.key(), change.revision());
    ASSERT_TRUE(revision.ok()) << revision.status();
    EXPECT_EQ(revision->change_sequence(), change.sequence());
  }
  auto first = (*reopened)->GetRevision(CommitOf("330226104000", "").report.key(), 0);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->revision(), 1);
  EXPECT_EQ(first->report().title(), "first");
  auto second = (*reopened)->GetRevision(CommitOf("330226001000", "").report.key(), 0);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->report().title(), "after the fault");
}

// The in-process worker's results are written without waiting for the disk; submits are
// synced, and carry the buffered results with them; both are there after a reopen.
TEST(StoreSyncTest, BufferedResultsWaitForNoSyncAndAreKeptWithTheNextSyncedWrite) {
  testing::TempDir dir;
  auto fs = std::make_shared<FaultyFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  v1::Rollup rollup;
  rollup.set_region_code("330226000000");
  rollup.set_year(2019);
  rollup.set_reports(1);
  {
    StoreOptions options;
    options.env = env.get();
    auto store = Store::Open(dir.path(), options);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->LoadRegistry(testing::SmallRegistry()).ok());
    int syncs = fs->log_syncs();
    ASSERT_TRUE((*store)->Commit(CommitOf("330226104000", "first")).ok());
    EXPECT_GT(fs->log_syncs(), syncs);  // a submit waits for the disk

    syncs = fs->log_syncs();
    ASSERT_TRUE((*store)
                    ->WriteResults(2019, testing::Repeated({rollup}), {}, /*checkpoint=*/1,
                                   /*replace_year=*/false, WriteSync::kBuffered)
                    .ok());
    EXPECT_EQ(fs->log_syncs(), syncs);
    EXPECT_EQ((*store)->GetRollup("330226000000", 2019)->reports(), 1);

    ASSERT_TRUE((*store)->Commit(CommitOf("330226001000", "second")).ok());
    EXPECT_GT(fs->log_syncs(), syncs);
    syncs = fs->log_syncs();
    rollup.set_reports(2);
    ASSERT_TRUE((*store)->WriteResults(2019, testing::Repeated({rollup}), {}, 2).ok());
    EXPECT_GT(fs->log_syncs(), syncs);  // another worker's results (through gRPC) are synced
  }
  auto reopened = Store::Open(dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->HeadSequence(), 2);
  EXPECT_EQ(*(*reopened)->WorkerCheckpoint(), 2);
  EXPECT_EQ((*reopened)->GetRollup("330226000000", 2019)->reports(), 2);
}

INSTANTIATE_TEST_SUITE_P(Faults, StoreFaultTest,
                         ::testing::Values(Fault::kNoSpace, Fault::kReadOnly),
                         [](const ::testing::TestParamInfo<Fault>& param_info) {
                           return param_info.param == Fault::kNoSpace ? "DiskFull" : "ReadOnlyDisk";
                         });

}  // namespace
}  // namespace gongkai::storage

#include "storage/store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/rocks_util.h"

namespace gongkai::storage {
namespace {

// The version of the key layout (storage/keys.h) this code reads and writes. A change to the
// layout bumps it and brings a migration.
constexpr absl::string_view kLayoutVersionName = "layout_version";
// 3: region records are histories (RegionHistory) instead of plain regions (layout 2, migrated
// on open). 4: each current revision has a digest (keys::kDigest; layout 3 migrated on open).
constexpr absl::string_view kLayoutVersion = "4";
// Digests made by the migration to layout 4 are written this many at a time.
constexpr int kDigestsPerBatch = 4096;

// Bytes an unprivileged writer may still use on the disk of `dir` (the maximum when it
// cannot tell).
uint64_t FreeDiskBytes(const std::string& dir) {
  struct statvfs disk;
  if (statvfs(dir.c_str(), &disk) != 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(disk.f_bavail) * disk.f_frsize;
}

// Records whether RocksDB met a write error it cannot resume from (kFatalError and above:
// with RocksDB 7.8 a failed WAL write other than "no space" is one, facebook/rocksdb#11643);
// only reopening the database clears it.
class FatalErrorListener : public rocksdb::EventListener {
 public:
  explicit FatalErrorListener(std::shared_ptr<std::atomic<bool>> fatal)
      : fatal_(std::move(fatal)) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    if (error->severity() >= rocksdb::Status::Severity::kFatalError) *fatal_ = true;
  }

 private:
  std::shared_ptr<std::atomic<bool>> fatal_;
};

}  // namespace

Store::Store(std::unique_ptr<rocksdb::DB> db, std::string dir, StoreOptions options,
             std::shared_ptr<std::atomic<bool>> fatal)
    : db_(std::move(db)),
      dir_(std::move(dir)),
      options_(options),
      fatal_(std::move(fatal)),
      registry_(registry::TimedRegistry::Empty()) {}

Store::~Store() {
  if (db_ != nullptr) db_->Close().PermitUncheckedError();
}

absl::Status Store::Write(rocksdb::WriteBatch* batch, absl::string_view what, WriteSync sync) {
  // After a failed write (a full or read-only disk, an I/O error) RocksDB refuses every write
  // until it has recovered: by itself for a full disk once space returns (Resume() says Busy
  // meanwhile), never for a fatal error, which needs the database reopened (NeedsReopen()).
  // A failed write was not applied: nothing partial is visible.
  if (read_only_) {
    return absl::UnavailableError(absl::StrCat(
        what,
        ": the disk of the data directory was full when gongkaid started, so the store "
        "was opened read-only (reads go on); it reopens for writing once space is freed"));
  }
  if (NeedsReopen()) {
    return absl::UnavailableError(
        absl::StrCat(what,
                     ": the database met a write error it cannot recover from while open; gongkaid "
                     "must reopen it (restart it once the disk is writable)"));
  }
  if (write_failed_.exchange(false)) {
    if (rocksdb::Status resumed = db_->Resume(); !resumed.ok()) {
      write_failed_ = true;
      return absl::UnavailableError(
          absl::StrCat(what, ": the store cannot write since an earlier write failed (",
                       resumed.IsBusy() ? "recovering" : resumed.ToString(), "); retry later"));
    }
  }
  GONGKAI_RETURN_IF_ERROR(CheckDiskSpace(batch->GetDataSize()));
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync && sync == WriteSync::kSynced;
  rocksdb::Status status = db_->Write(write_options, batch);
  if (!status.ok()) write_failed_ = true;
  return FromRocks(status, what);
}

bool Store::NeedsReopen() const {
  if (fatal_->load()) return true;
  return read_only_ && FreeDiskBytes(dir_) >= 2 * options_.min_free_disk_bytes;
}

absl::Status Store::CheckDiskSpace(size_t bytes) {
  if (options_.min_free_disk_bytes == 0) return absl::OkStatus();
  uint64_t free = FreeDiskBytes(dir_);
  uint64_t memtables = 0;
  db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &memtables);
  // On a nearly full disk compactions fail (RocksDB wants room for their output), so each
  // flush below leaves one more level-0 table. RocksDB stops writes at
  // level0_stop_writes_trigger such tables until a compaction succeeds: a write would then
  // block, not fail. Refuse instead; and flush only while the tables stay below the point
  // where RocksDB slows writes.
  uint64_t level0 = 0, stopped = 0;
  db_->GetIntProperty("rocksdb.is-write-stopped", &stopped);
  if (free < bytes + memtables + options_.min_free_disk_bytes && memtables > 0 &&
      free >= memtables && stopped == 0 &&
      db_->GetIntProperty("rocksdb.num-files-at-level0", &level0) &&
      level0 + 1 < level0_slowdown_) {
    // Room to flush what is in memory to a table (no larger than the memtables), after which
    // its log is deleted: do it now rather than refuse (RocksDB would flush only at 64 MiB).
    // allow_write_stall: without it Flush waits until the flush would not slow writes, that
    // is for a compaction, which on this disk may never succeed.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    flush.allow_write_stall = true;
    if (db_->Flush(flush).ok()) {
      free = FreeDiskBytes(dir_);
      db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &memtables);
    }
  }
  const uint64_t needed = bytes + memtables + options_.min_free_disk_bytes;
  constexpr double kMiB = 1 << 20;
  // Stopped with too little room for a compaction (whose output may be as large as the
  // tables): it would wait for space, not for RocksDB to catch up as under a heavy load.
  uint64_t tables = 0;
  if (stopped != 0 && db_->GetIntProperty("rocksdb.live-sst-files-size", &tables) &&
      free < tables + options_.min_free_disk_bytes) {
    return absl::UnavailableError(absl::StrFormat(
        "the disk of the data directory is nearly full: %.1f MiB free, too little to compact "
        "the store's tables, and it takes no writes until it has; writes resume as soon as "
        "space is freed, reads go on",
        free / kMiB));
  }
  if (free >= needed) return absl::OkStatus();
  return absl::UnavailableError(absl::StrFormat(
      "the disk of the data directory is nearly full: %.1f MiB free, %.1f MiB needed to take "
      "this write and still flush what is in memory; writes resume as soon as space is freed, "
      "reads go on",
      free / kMiB, needed / kMiB));
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, StoreOptions options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  if (options.env != nullptr) db_options.env = options.env;
  auto fatal = std::make_shared<std::atomic<bool>>(false);
  db_options.listeners.push_back(std::make_shared<FatalErrorListener>(fatal));
  db_options.IncreaseParallelism(2);
  // Start on a disk that is (nearly) full: replay the log into memory without writing a table
  // first, and create no large preallocated files.
  db_options.avoid_flush_during_recovery = true;
  db_options.manifest_preallocation_size = 64 << 10;
  // Point reads (a report's head and revision, a rollup, an anomaly set) dominate: a Bloom
  // filter per table lets a Get skip the tables that cannot hold its key, and a block cache
  // keeps the hot blocks of the current year decoded.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // One memory budget, options.memory_bytes: half for the cache, half for the memtables (two
  // at most, RocksDB's default: one taking writes while the other is flushed; writes wait
  // when both are full). RocksDB's own defaults are two 64 MiB memtables and an 8 MiB cache.
  const uint64_t budget = std::max<uint64_t>(options.memory_bytes, 8 << 20);
  table.block_cache = rocksdb::NewLRUCache(budget / 2);
  db_options.write_buffer_size = budget / 4;
  db_options.max_write_buffer_number = 2;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // On a full disk RocksDB cannot open for writing (and 7.8 aborts trying): serve reads only.
  const bool read_only = options.min_free_disk_bytes > 0 &&
                         std::filesystem::exists(std::filesystem::path(dir) / "CURRENT") &&
                         FreeDiskBytes(dir) < options.min_free_disk_bytes;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, &raw)
                                     : rocksdb::DB::Open(db_options, dir, &raw);
  if (!status.ok()) {
    if (status.IsCorruption()) return FromRocks(status, "open " + dir);
    return absl::UnavailableError(
        absl::StrCat("cannot open database in ", dir, ": ", status.ToString()));
  }
  std::unique_ptr<Store> store(new Store(std::unique_ptr<rocksdb::DB>(raw), dir, options, fatal));
  store->read_only_ = read_only;
  store->level0_slowdown_ = static_cast<uint64_t>(db_options.level0_slowdown_writes_trigger);
  GONGKAI_RETURN_IF_ERROR(store->LoadState());
  return store;
}

absl::Status Store::CheckLayout() {
  std::string version;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), keys::MetaKey(kLayoutVersionName), &version);
  if (status.ok()) {
    if (version == kLayoutVersion) return absl::OkStatus();
    if (version == "2") {
      rocksdb::WriteBatch batch;
      GONGKAI_RETURN_IF_ERROR(MigrateRegionsToHistories(&batch));
      batch.Put(keys::MetaKey(kLayoutVersionName), "3");
      GONGKAI_RETURN_IF_ERROR(Write(&batch, "migrate the registry to histories (layout 3)"));
      version = "3";
    }
    if (version == "3") {
      // Interrupted, the migration starts over: its writes are idempotent.
      GONGKAI_RETURN_IF_ERROR(WriteDigests());
      rocksdb::WriteBatch batch;
      batch.Put(keys::MetaKey(kLayoutVersionName), std::string(kLayoutVersion));
      return Write(&batch, "record the reports' digests (layout 4)");
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "the data directory uses key layout ", version, "; this gongkaid reads layout ",
        kLayoutVersion, " (see docs/OPERATIONS.md, upgrades)"));
  }
  if (!status.IsNotFound()) return FromRocks(status, "read the key layout version");
  // No version: a new store, or one from before versions were recorded (not supported).
  PrefixIterator it(db_.get(), std::string(1, keys::kHead));
  it->Seek(std::string(1, keys::kHead));
  if (it->Valid()) {
    return absl::FailedPreconditionError(
        "the data directory holds reports in an unversioned key layout this gongkaid cannot "
        "read");
  }
  rocksdb::WriteBatch batch;
  batch.Put(keys::MetaKey(kLayoutVersionName), std::string(kLayoutVersion));
  return Write(&batch, "record the key layout version");
}

absl::Status Store::WriteDigests() {
  const std::string prefix(1, keys::kHead);
  PrefixIterator it(db_.get(), prefix);
  rocksdb::WriteBatch batch;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const std::string id = it->key().ToString().substr(1);
    GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
    if (!head.has_value() || head->withdrawn()) continue;
    GONGKAI_ASSIGN_OR_RETURN(v1::ReportDigest digest, ReadDigest(id, *head));
    batch.Put(keys::DigestKey(id), digest.SerializeAsString());
    if (batch.Count() >= kDigestsPerBatch) {
      GONGKAI_RETURN_IF_ERROR(Write(&batch, "record the reports' digests (layout 4)"));
      batch.Clear();
    }
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "scan the report heads"));
  return batch.Count() == 0 ? absl::OkStatus()
                            : Write(&batch, "record the reports' digests (layout 4)");
}

absl::Status Store::LoadState() {
  GONGKAI_RETURN_IF_ERROR(CheckLayout());
  // The last change log sequence.
  {
    const std::string lower(1, keys::kChange);
    PrefixIterator it(db_.get(), lower);
    it->SeekToLast();
    // Without a lower bound SeekToLast may land on a key of another keyspace below the log.
    if (it->Valid() && it->key().size() == 9 && it->key()[0] == keys::kChange) {
      absl::MutexLock lock(&commit_mu_);
      last_sequence_ = static_cast<int64_t>(
          keys::ReadBigEndian64(absl::string_view(it->key().data() + 1, it->key().size() - 1)));
      head_sequence_ = last_sequence_;
    }
    GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "read change log"));
  }
  // Rollup jobs a worker had claimed before a restart go back to the queue.
  {
    rocksdb::WriteBatch requeue;
    int64_t pending = 0;
    absl::Status scanned = ScanJobs([&](const std::string& key, v1::RollupJob& job) {
      if (job.state() == v1::JOB_STATE_RUNNING) {
        job.set_state(v1::JOB_STATE_PENDING);
        requeue.Put(key, job.SerializeAsString());
      }
      pending += job.state() == v1::JOB_STATE_PENDING;
      return true;
    });
    if (!scanned.ok()) return scanned;
    if (requeue.Count() > 0 && !read_only_) {
      GONGKAI_RETURN_IF_ERROR(Write(&requeue, "requeue jobs"));
    }
    absl::MutexLock lock(&results_mu_);
    pending_jobs_ = pending;
  }
  return LoadRegistryState();
}

absl::StatusOr<std::string> Store::IdOf(const registry::TimedRegistry& registry,
                                        const v1::ReportKey& key) {
  if (registry.Tree(key.year())->Find(key.region_code()) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", key.region_code(), " is not in the registry of ", key.year()));
  }
  return ReportId(key);
}

std::string Store::IndexKeyOf(const registry::YearTree& registry, const v1::ReportKey& key) {
  return keys::IndexKey(keys::Locator(key.year(), registry.PathOf(key.region_code()),
                                      NormalizedScope(key.scope()), key.body()));
}

int64_t Store::HeadSequence() const { return head_sequence_.load(); }

void Store::PublishHead(int64_t sequence) {
  absl::MutexLock lock(&head_mu_);
  head_sequence_ = sequence;
  head_moved_.SignalAll();
}

int64_t Store::AwaitHeadAfter(int64_t after, absl::Time deadline) const {
  absl::MutexLock lock(&head_mu_);
  while (head_sequence_.load() <= after) {
    if (head_moved_.WaitWithDeadline(&head_mu_, deadline)) break;  // timed out
  }
  return head_sequence_.load();
}

absl::StatusOr<int64_t> Store::CreateBackup(const std::string& directory) {
  if (directory.empty()) return absl::InvalidArgumentError("the backup directory is empty");
  std::error_code error;
  if (std::filesystem::exists(directory, error) || error) {
    return absl::InvalidArgumentError(
        absl::StrCat(directory, error ? ": " + error.message() : " already exists"));
  }
  rocksdb::Checkpoint* raw = nullptr;
  GONGKAI_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "backup"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // A checkpoint is a point-in-time copy taken without pausing commits (copying to another
  // filesystem can take minutes); the head it holds is read from the copy itself.
  GONGKAI_RETURN_IF_ERROR(FromRocks(checkpoint->CreateCheckpoint(directory), "backup"));
  rocksdb::DB* copy = nullptr;
  GONGKAI_RETURN_IF_ERROR(FromRocks(
      rocksdb::DB::OpenForReadOnly(rocksdb::Options(), directory, &copy), "open the backup"));
  std::unique_ptr<rocksdb::DB> closer(copy);
  PrefixIterator it(copy, std::string(1, keys::kChange));
  it->SeekToLast();
  int64_t head = 0;
  if (it->Valid() && it->key().size() == 9 && it->key()[0] == keys::kChange) {
    head = static_cast<int64_t>(
        keys::ReadBigEndian64(absl::string_view(it->key().data() + 1, it->key().size() - 1)));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "read the backup's change log"));
  return head;
}

Store::Statistics Store::GetStatistics() const {
  Statistics out;
  db_->GetIntProperty("rocksdb.estimate-num-keys", &out.estimated_keys);
  db_->GetIntProperty("rocksdb.estimate-live-data-size", &out.live_data_bytes);
  db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &out.memtable_bytes);
  db_->GetIntProperty("rocksdb.block-cache-usage", &out.cache_bytes);
  db_->GetIntProperty("rocksdb.block-cache-capacity", &out.cache_capacity_bytes);
  return out;
}

}  // namespace gongkai::storage

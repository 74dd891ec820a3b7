#include "storage/store.h"

#include <sys/statvfs.h>

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

constexpr int kDefaultPageSize = 100;
// A page ends early once its records reach this size, so that it fits gRPC's default 4 MiB
// message limit: validation keeps one report under about 1.3 MB (six narrative sections of
// 200 KB), so a page stays below 2 MiB + 1.3 MB. The next page token continues after the last
// record returned.
constexpr size_t kMaxPageBytes = 2 << 20;

// RocksDB's cache of decoded blocks (its default is 8 MiB).
constexpr size_t kBlockCacheBytes = 64 << 20;

// The version of the key layout (storage/keys.h) this code reads and writes. A change to the
// layout bumps it and brings a migration.
constexpr absl::string_view kLayoutVersionName = "layout_version";
// 3: region records are histories (RegionHistory) instead of plain regions (layout 2, migrated
// on open).
constexpr absl::string_view kLayoutVersion = "3";

// Bytes an unprivileged writer may still use on the disk of `dir` (the maximum when it
// cannot tell).
uint64_t FreeDiskBytes(const std::string& dir) {
  struct statvfs disk;
  if (statvfs(dir.c_str(), &disk) != 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(disk.f_bavail) * disk.f_frsize;
}

int ClampPageSize(int page_size) {
  if (page_size <= 0) return kDefaultPageSize;
  return std::min(page_size, kMaxPageSize);
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

absl::Status Store::Write(rocksdb::WriteBatch* batch, absl::string_view what) {
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
  write_options.sync = options_.sync;
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
  if (free < bytes + memtables + options_.min_free_disk_bytes && memtables > 0 &&
      free >= memtables) {
    // Room to flush what is in memory to a table (no larger than the memtables), after which
    // its log is deleted: do it now rather than refuse (RocksDB would flush only at 64 MiB).
    rocksdb::FlushOptions flush;
    flush.wait = true;
    if (db_->Flush(flush).ok()) {
      free = FreeDiskBytes(dir_);
      db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &memtables);
    }
  }
  const uint64_t needed = bytes + memtables + options_.min_free_disk_bytes;
  if (free >= needed) return absl::OkStatus();
  constexpr double kMiB = 1 << 20;
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
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
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
      batch.Put(keys::MetaKey(kLayoutVersionName), std::string(kLayoutVersion));
      return Write(&batch, "migrate the registry to histories (layout 3)");
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
    absl::Status scanned = ScanJobs([&](const std::string& key, v1::RollupJob& job) {
      if (job.state() == v1::JOB_STATE_RUNNING) {
        job.set_state(v1::JOB_STATE_PENDING);
        requeue.Put(key, job.SerializeAsString());
      }
      return true;
    });
    if (!scanned.ok()) return scanned;
    if (requeue.Count() > 0 && !read_only_) {
      GONGKAI_RETURN_IF_ERROR(Write(&requeue, "requeue jobs"));
    }
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

absl::StatusOr<std::optional<v1::Revision>> Store::ReadHead(const std::string& id) const {
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), keys::HeadKey(id), &value);
  if (status.IsNotFound()) return std::nullopt;
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read report head"));
  v1::Revision head;
  if (!head.ParseFromString(value)) return absl::DataLossError("unreadable report head");
  if (!head.has_review()) {
    // Stored before reviews existed: submitted, awaiting review.
    v1::Review* review = head.mutable_review();
    review->set_state(v1::REVIEW_STATE_PENDING);
    review->set_action(v1::REVIEW_ACTION_SUBMIT);
    review->set_revision(head.revision());
    review->set_principal(head.principal());
    *review->mutable_time() = head.create_time();
    review->set_sequence(head.change_sequence());
  }
  return head;
}

void Store::WithHeadReview(const v1::Revision& head, v1::Revision* revision) {
  if (revision->revision() == head.revision()) *revision->mutable_review() = head.review();
}

absl::StatusOr<v1::Revision> Store::ReadRevision(const std::string& id, int64_t revision) const {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), keys::RevisionKey(id, revision), &value);
  if (status.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("revision ", revision, " does not exist"));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read revision"));
  v1::Revision out;
  if (!out.ParseFromString(value)) return absl::DataLossError("unreadable revision record");
  return out;
}

absl::StatusOr<v1::Revision> Store::GetRevision(const v1::ReportKey& key, int64_t revision,
                                                bool full) const {
  GONGKAI_ASSIGN_OR_RETURN(std::string id, IdOf(key));
  GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
  if (!head.has_value()) return absl::NotFoundError("no such report");
  if (revision == 0) {
    if (!full) return *head;
    revision = head->revision();
  }
  absl::StatusOr<v1::Revision> out = ReadRevision(id, revision);
  if (!out.ok()) return out;
  if (!full) out->clear_report();
  WithHeadReview(*head, &*out);
  return out;
}

absl::Status Store::ScanPage(const std::string& prefix, int page_size,
                             const std::string& page_token, const ScanAccept& accept,
                             const ScanAdd& add, std::string* next_page_token) const {
  page_size = ClampPageSize(page_size);
  std::string start = prefix;
  if (!page_token.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(std::string last_key, keys::ReadPageToken(prefix, page_token));
    start = last_key + '\0';  // The first key after the last one returned.
  }
  PrefixIterator it(db_.get(), prefix);
  int count = 0;
  size_t bytes = 0;
  std::string last_key;
  next_page_token->clear();
  for (it->Seek(start); it->Valid(); it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    const absl::string_view value(it->value().data(), it->value().size());
    // Records the caller may not see are neither counted nor named by a token, and a token is
    // given only when another record it may see follows: pages never hint at hidden rows.
    if (accept != nullptr) {
      GONGKAI_ASSIGN_OR_RETURN(bool accepted, accept(key, value));
      if (!accepted) continue;
    }
    if (count == page_size || bytes >= kMaxPageBytes) {
      next_page_token->assign(keys::PageToken(prefix, last_key));
      break;
    }
    GONGKAI_ASSIGN_OR_RETURN(size_t added, add(key, value));
    bytes += added;
    last_key = std::string(key);
    ++count;
  }
  return FromRocks(it->status(), "scan");
}

absl::StatusOr<std::vector<v1::Revision>> Store::ListReportsAt(const std::string& region_code,
                                                               int year) const {
  std::shared_ptr<const registry::YearTree> tree = Tree(year);
  if (tree->Find(region_code) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", region_code, " is not in the registry of ", year));
  }
  // The region's own locators: its path, then '/' (its descendants' continue with a digit).
  const std::string prefix =
      keys::IndexKey(keys::SubtreePrefix(year, tree->PathOf(region_code)) + "/");
  std::vector<v1::Revision> out;
  PrefixIterator it(db_.get(), prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const std::string id = it->value().ToString();
    GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
    if (!head.has_value() || head->withdrawn()) continue;
    GONGKAI_ASSIGN_OR_RETURN(v1::Revision revision, ReadRevision(id, head->revision()));
    WithHeadReview(*head, &revision);
    out.push_back(std::move(revision));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "list a region's reports"));
  return out;
}

absl::StatusOr<Page<v1::Revision>> Store::ListReports(const std::string& region_code, int year,
                                                      int page_size, const std::string& page_token,
                                                      bool full, const ReportFilter& keep,
                                                      const HeadFilter& keep_head) const {
  std::shared_ptr<const registry::YearTree> tree = Tree(year);
  if (tree->Find(region_code) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", region_code, " is not in the registry of ", year));
  }
  const std::string prefix = keys::IndexKey(keys::SubtreePrefix(year, tree->PathOf(region_code)));
  Page<v1::Revision> page;
  ScanAccept accept = nullptr;
  if (keep != nullptr || keep_head != nullptr) {
    accept = [&](absl::string_view, absl::string_view id) -> absl::StatusOr<bool> {
      v1::ReportKey key;
      if (!ParseReportId(id, &key)) return absl::DataLossError("subtree index holds no report id");
      if (keep != nullptr && !keep(key)) return false;
      if (keep_head == nullptr) return true;
      GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(std::string(id)));
      return head.has_value() && keep_head(*head);
    };
  }
  absl::Status status = ScanPage(
      prefix, page_size, page_token, accept,
      [&](absl::string_view, absl::string_view id) -> absl::StatusOr<size_t> {
        GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(std::string(id)));
        if (!head.has_value()) return absl::DataLossError("subtree index names no report");
        v1::Revision revision = *std::move(head);
        if (full) {
          GONGKAI_ASSIGN_OR_RETURN(v1::Revision stored,
                                   ReadRevision(std::string(id), revision.revision()));
          WithHeadReview(revision, &stored);
          revision = std::move(stored);
        }
        const size_t size = revision.ByteSizeLong();
        page.items.push_back(std::move(revision));
        return size;
      },
      &page.next_page_token);
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<Page<v1::Revision>> Store::ListRevisions(const v1::ReportKey& key, int page_size,
                                                        const std::string& page_token,
                                                        bool full) const {
  GONGKAI_ASSIGN_OR_RETURN(std::string id, IdOf(key));
  Page<v1::Revision> page;
  absl::Status status = ScanPage(
      keys::RevisionPrefix(id), page_size, page_token, nullptr,
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<size_t> {
        v1::Revision revision;
        if (!revision.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return absl::DataLossError("unreadable revision record");
        }
        if (!full) revision.clear_report();
        const size_t size = revision.ByteSizeLong();
        page.items.push_back(std::move(revision));
        return size;
      },
      &page.next_page_token);
  if (!status.ok()) return status;
  if (page.items.empty() && page_token.empty()) return absl::NotFoundError("no such report");
  if (!page.items.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
    if (head.has_value()) WithHeadReview(*head, &page.items.back());
  }
  return page;
}

absl::StatusOr<std::vector<v1::ChangeEvent>> Store::ReadChanges(int64_t start, int limit) const {
  limit = ClampPageSize(limit);
  const std::string lower = keys::ChangeKey(std::max<int64_t>(start, 1));
  PrefixIterator it(db_.get(), std::string(1, keys::kChange));
  std::vector<v1::ChangeEvent> changes;
  for (it->Seek(lower); it->Valid() && static_cast<int>(changes.size()) < limit; it->Next()) {
    v1::ChangeEvent change;
    if (!change.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable change log entry");
    }
    changes.push_back(std::move(change));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "read change log"));
  return changes;
}

int64_t Store::HeadSequence() const { return head_sequence_.load(); }

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
  return out;
}

}  // namespace gongkai::storage

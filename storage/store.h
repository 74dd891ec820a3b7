// The store of record: regions, report revisions, and the change log, in one RocksDB.
//
// Every accepted submission is an immutable revision, written in one atomic, synced
// WriteBatch together with the report's head (its current revision) and a change log entry
// with the next sequence number, so an acknowledged commit survives a crash and the change log
// has no gaps. Knows nothing of gRPC.
//
// Thread-safe. Commits are serialized (revisions are linearizable per key and the change log
// is totally ordered) and grouped: concurrent commits share one synced write. Reads run
// concurrently with each other and with commits.
#ifndef GONGKAI_STORAGE_STORE_H_
#define GONGKAI_STORAGE_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/serialize.h"
#include "gongkai/v1/auth.pb.h"
#include "gongkai/v1/region.pb.h"
#include "gongkai/v1/rollup.pb.h"
#include "gongkai/v1/store.pb.h"
#include "registry/registry.h"

namespace rocksdb {
class DB;
class Env;
class WriteBatch;
}  // namespace rocksdb

namespace gongkai::storage {

// When a write is acknowledged: once RocksDB's log is on the disk (kSynced, unless
// StoreOptions::sync is off), or once the operating system has it (kBuffered). A buffered write
// survives a crash of the process but not of the machine; the next synced write makes it
// durable too (the log is one file, written in order, and recovered as a prefix). Only what can
// be computed again from synced writes is written buffered.
enum class WriteSync { kSynced, kBuffered };

struct StoreOptions {
  // Sync the WAL on every commit (durability of acknowledged submissions). Off only in
  // benchmarks that measure the difference.
  bool sync = true;
  // The RocksDB environment (tests inject write faults); null: the default.
  rocksdb::Env* env = nullptr;
  // Free space the data directory's disk must keep beyond a write and the memtables still to
  // flush: a write that would eat into it is refused (UNAVAILABLE) before RocksDB sees a full
  // disk, which RocksDB 7.8 does not survive (a WAL write that fails leaves a writer that
  // aborts the process on its next use). 0: no check.
  uint64_t min_free_disk_bytes = 4 << 20;
  // Memory RocksDB may hold for its memtables and its cache of decoded blocks together (8 MiB
  // at least): half for the cache, half for two memtables (writes wait while both are full).
  // Index and filter blocks are outside it, as are the worker's years in memory.
  uint64_t memory_bytes = 128 << 20;
};

// What a submission asks the store to record. `key` must be normalized (scope set).
struct CommitRequest {
  v1::Report report;
  v1::Verdict verdict;
  std::string principal;
  std::string peer;
  absl::Time time;
  std::optional<int64_t> expected_revision;
};

struct CommitResult {
  // The head revision after the commit (without report content).
  v1::Revision revision;
  // False when the content equalled the current revision and nothing was written.
  bool created = false;
};

// A review decision about a report key's current revision (ReviewService). `key` must be
// normalized (scope set).
struct ReviewRequest {
  v1::ReportKey key;
  // APPROVE, RETURN or WITHDRAW.
  v1::ReviewAction action = v1::REVIEW_ACTION_UNSPECIFIED;
  // The revision decided about; 0: whatever is current.
  int64_t revision = 0;
  std::vector<std::string> reasons;
  std::string note;
  std::string principal;
  std::string peer;
  absl::Time time;
  // When set, the disposition of this flag is updated (as by UpdateDisposition) and written
  // in the same batch, whatever the decision's outcome (a flag confirmed returns the report).
  std::string flag_id;
  std::function<absl::Status(v1::FlagDisposition*)> update_disposition;
};

struct ReviewResult {
  // The head after the decision (without report content), its review set.
  v1::Revision head;
  // False when the decision repeated the key's state at the same revision: nothing written.
  bool changed = false;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;  // Empty on the last page.
};

class Store {
 public:
  // Opens (creating if missing) the database in `dir`. Returns UNAVAILABLE when the directory
  // cannot be opened (e.g. locked by another process), DATA_LOSS on corruption, and
  // FAILED_PRECONDITION when it holds another version of the key layout.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- The region registry (store_registry.cc) ----

  // Stores the region registry in one batch and makes it the one served, replacing any
  // earlier registry; rebuilds the subtree index (regions may have moved) and drops the
  // worker's results keyed by the old paths, and its checkpoint with them. Reports of regions not
  // in their year's tree stay stored but are neither listed nor readable until their region
  // returns. Returns INVALID_ARGUMENT when a year's regions do not form a tree. Returns the stored
  // reports whose region is not in their year's new tree (stranded).
  absl::StatusOr<std::vector<v1::ReportKey>> LoadRegistry(std::vector<v1::RegionHistory> histories);
  // One edition, valid in every year from 2019 on.
  absl::StatusOr<std::vector<v1::ReportKey>> LoadRegistry(std::vector<v1::Region> regions);
  // The registry as last loaded or changed (empty when none was ever stored).
  std::shared_ptr<const registry::TimedRegistry> registry() const;
  // The tree of a year (registry::TimedRegistry::Tree).
  std::shared_ptr<const registry::YearTree> Tree(int year) const { return registry()->Tree(year); }

  // A change of the registry from a year on (AdminService): the new histories of the codes
  // it changes, and its change log record.
  struct RegistryUpdate {
    int from_year = 0;
    std::vector<v1::RegionHistory> histories;
    v1::RegistryChange change;
    absl::Time time;
  };
  struct RegistryUpdateResult {
    // Stored reports whose region is not in their year's tree after the update.
    std::vector<v1::ReportKey> stranded;
    // The years from from_year up to the last year with reports.
    std::vector<int> affected_years;
    bool applied = false;
    int64_t sequence = 0;
  };
  // Builds the registry the update makes (INVALID_ARGUMENT when a year's tree breaks) and finds
  // the reports it strands. Unless `dry_run`, or reports are stranded without
  // `allow_stranding`, it then writes, in one synced batch: the histories, the subtree index of
  // every year from from_year on rebuilt on the new trees, the worker's results of those years
  // dropped (the worker recomputes them), and a change log entry carrying `change`.
  absl::StatusOr<RegistryUpdateResult> UpdateRegistry(const RegistryUpdate& update, bool dry_run,
                                                      bool allow_stranding);

  // Records a new revision of report.key() unless its content equals the current revision's.
  // Returns NOT_FOUND when the region is not in the registry, FAILED_PRECONDITION when
  // expected_revision is set and is not the current revision, UNAVAILABLE/INTERNAL when the
  // write fails (nothing is then written).
  absl::StatusOr<CommitResult> Commit(const CommitRequest& request);

  // ---- Review (store_review.cc) ----

  // Records a review decision in one synced batch with its change log entry (which carries the
  // new Review) and the key's review history: APPROVE and RETURN set the head's review;
  // WITHDRAW writes a tombstone revision (report = key only, `withdrawn`) and takes the key out
  // of the subtree index, so listings, rollups and peers no longer see it until a new
  // revision is committed. A decision that repeats the key's state at the same revision with
  // the same reasons and note (a retry), or a withdrawal of a withdrawn report, writes nothing
  // (but the flag's disposition, if any). NOT_FOUND when the report does not exist;
  // FAILED_PRECONDITION when `revision` is set and is not the current one, or when approving or
  // returning a withdrawn report; INVALID_ARGUMENT when a return or withdrawal has no reason.
  absl::StatusOr<ReviewResult> Review(const ReviewRequest& request);
  // Every review event of the key (submissions, decisions, withdrawals), oldest first.
  absl::StatusOr<std::vector<v1::Review>> ListReviewHistory(const v1::ReportKey& key) const;

  // The dispositions of the flags whose ids start with `id_prefix`, by id.
  absl::StatusOr<std::map<std::string, v1::FlagDisposition>> ListDispositions(
      absl::string_view id_prefix) const;
  // Reads the flag's disposition (a new one with only flag_id when none is stored), lets
  // `update` change it, and stores it unless `update` fails; serialized with every other
  // disposition update. Returns what was stored.
  absl::StatusOr<v1::FlagDisposition> UpdateDisposition(
      const std::string& flag_id, const std::function<absl::Status(v1::FlagDisposition*)>& update);

  // Returns the given revision (0: the current one). NOT_FOUND when absent. The current
  // revision carries the key's review as it is now.
  absl::StatusOr<v1::Revision> GetRevision(const v1::ReportKey& key, int64_t revision,
                                           bool full = true) const;
  // The digest of that revision, as DigestOf(GetRevision(key, revision)) makes it
  // (proto/digest.h): the stored one for the current revision, else made from the revision's
  // record. NOT_FOUND when absent.
  absl::StatusOr<v1::ReportDigest> GetDigest(const v1::ReportKey& key, int64_t revision) const;

  // Current revisions of every report in the region's subtree for the year that `keep`
  // accepts (null: all) and whose head `keep_head` accepts (null: all; it sees the head without
  // content, its review set), in subtree order. Withdrawn reports are not listed. Pages and
  // tokens count and name only accepted reports. INVALID_ARGUMENT for a page token not from
  // this listing.
  using ReportFilter = std::function<bool(const v1::ReportKey&)>;
  using HeadFilter = std::function<bool(const v1::Revision&)>;
  absl::StatusOr<Page<v1::Revision>> ListReports(const std::string& region_code, int year,
                                                 int page_size, const std::string& page_token,
                                                 bool full, const ReportFilter& keep = nullptr,
                                                 const HeadFilter& keep_head = nullptr) const;

  // The digests of the current revisions (as ListDigests lists them, and GetDigest gives them)
  // of the reports filed at the region itself (its government's, its bodies', summaries), not
  // its descendants', in the year; withdrawn reports are not listed. NOT_FOUND when the region
  // is not in the year's tree.
  absl::StatusOr<std::vector<v1::ReportDigest>> ListDigestsAt(const std::string& region_code,
                                                              int year) const;

  // The digests (proto/digest.h) of the year's reports whose current revision is not
  // withdrawn, in report id order: one page, parsed into `digests` (where the caller keeps them:
  // on its arena, say; they are added after any it holds, and none is added on an error).
  // Returns the next page's token, empty after the last page.
  absl::StatusOr<std::string> ListDigests(
      int year, int page_size, const std::string& page_token,
      google::protobuf::RepeatedPtrField<v1::ReportDigest>* digests) const;

  // Every revision of one report, oldest first.
  absl::StatusOr<Page<v1::Revision>> ListRevisions(const v1::ReportKey& key, int page_size,
                                                   const std::string& page_token, bool full) const;

  // Change log entries with sequence >= start, at most `limit`.
  absl::StatusOr<std::vector<v1::ChangeEvent>> ReadChanges(int64_t start, int limit) const;
  // The last sequence number written (0 when the log is empty).
  int64_t HeadSequence() const;
  // Waits until the change log's head is past `after` (a commit woke it) or `deadline`;
  // returns the head then. For followers of the log that should not poll it.
  int64_t AwaitHeadAfter(int64_t after, absl::Time deadline) const;

  // Writes a consistent point-in-time copy of the whole database (a RocksDB checkpoint: hard
  // links where the filesystem allows) into `directory`, which must not exist, without pausing
  // commits. The copy is a complete database: start gongkaid with --data_dir on (a copy of) it
  // to restore. Returns the change log head the copy holds. INVALID_ARGUMENT when the
  // directory exists or cannot be checked.
  absl::StatusOr<int64_t> CreateBackup(const std::string& directory);

  // True once a write failed in a way RocksDB cannot recover from while open (e.g. an I/O
  // error on the write-ahead log): every later write answers UNAVAILABLE, reads still work,
  // and the process should reopen the database (gongkaid exits so its supervisor restarts
  // it; recovery replays the log, so no acknowledged commit is lost).
  // Also true for a store opened read-only (below) once its disk has room again.
  bool NeedsReopen() const;
  // Opened read-only because the disk was full at start-up (RocksDB cannot even open for
  // writing then): reads are served, every write answers UNAVAILABLE until a reopen.
  bool read_only() const { return read_only_; }

  // RocksDB's figures, for monitoring: its estimates of keys and bytes of live data, and its
  // memory (StoreOptions::memory_bytes): the memtables, and the block cache's use and capacity.
  struct Statistics {
    uint64_t estimated_keys = 0;
    uint64_t live_data_bytes = 0;
    uint64_t memtable_bytes = 0;
    uint64_t cache_bytes = 0;
    uint64_t cache_capacity_bytes = 0;
  };
  Statistics GetStatistics() const;

  // ---- Principals (store_principals.cc) ----

  // Stores a new principal; ALREADY_EXISTS when its name was ever used.
  absl::Status CreatePrincipal(const v1::StoredPrincipal& principal);
  // Replaces a stored principal (e.g. revoked); NOT_FOUND when it does not exist.
  absl::Status UpdatePrincipal(const v1::StoredPrincipal& principal);
  // Every stored principal, by name.
  absl::StatusOr<std::vector<v1::StoredPrincipal>> ListPrincipals() const;

  // ---- Results of the aggregation worker (store_results.cc) ----

  // Stores the rollups and anomaly sets (replacing earlier ones of the same regions) in one
  // batch, with the checkpoint when set. NOT_FOUND for a region not in the registry;
  // FAILED_PRECONDITION when the checkpoint is below the stored one; ABORTED when the stored one
  // is below `base_checkpoint` (what the writer built on was dropped: a reload, a restored
  // backup).
  // With `replace_year`, every stored anomaly set of the year is deleted first. kBuffered suits
  // a worker in this process: its results and checkpoint, lost with the machine, are lost
  // together, and it starts again from the checkpoint that survived.
  absl::Status WriteResults(int year, const google::protobuf::RepeatedPtrField<v1::Rollup>& rollups,
                            const google::protobuf::RepeatedPtrField<v1::AnomalySet>& anomaly_sets,
                            std::optional<int64_t> checkpoint, bool replace_year = false,
                            WriteSync sync = WriteSync::kSynced,
                            std::optional<int64_t> base_checkpoint = std::nullopt);
  // The same, from results serialized once by a worker in this process (stored as they are).
  absl::Status WriteResults(const SerializedResults& results, WriteSync sync);
  // The last sequence whose effects the worker stored (0 at first).
  absl::StatusOr<int64_t> WorkerCheckpoint() const;
  // NOT_FOUND when the region is unknown or has no rollup for the year.
  absl::StatusOr<v1::Rollup> GetRollup(const std::string& region_code, int year) const;
  // The anomaly set stored for the region itself (empty when none). NOT_FOUND when the region
  // is not in the year's tree.
  absl::StatusOr<v1::AnomalySet> AnomaliesAt(const std::string& region_code, int year) const;
  // The anomalies of the subtree, in subtree order, that `keep` accepts.
  absl::StatusOr<Page<v1::Anomaly>> ListAnomalies(
      const std::string& region_code, int year, int page_size, const std::string& page_token,
      const std::function<bool(const v1::Anomaly&)>& keep) const;

  // Stored anomalies counted by (year, kind), for monitoring. Reads every anomaly set.
  absl::StatusOr<std::map<std::pair<int, int>, int64_t>> CountAnomalies() const;

  // Rollup jobs: created PENDING, claimed by a worker (RUNNING), finished by it.
  absl::StatusOr<v1::RollupJob> CreateJob(int year, const std::string& region_code, absl::Time now);
  absl::StatusOr<v1::RollupJob> GetJob(const std::string& id) const;
  // NOT_FOUND when no job is pending.
  absl::StatusOr<v1::RollupJob> ClaimJob(absl::Time now);
  // NOT_FOUND for an unknown job, FAILED_PRECONDITION for one that is not RUNNING.
  absl::Status FinishJob(const v1::RollupJob& job);

 private:
  Store(std::unique_ptr<rocksdb::DB> db, std::string dir, StoreOptions options,
        std::shared_ptr<std::atomic<bool>> fatal);
  // UNAVAILABLE unless the disk keeps min_free_disk_bytes after `bytes` more and a flush of
  // every memtable (flushing first when that makes the room).
  absl::Status CheckDiskSpace(size_t bytes);
  absl::Status LoadState();
  // Writes a batch (synced unless options_.sync is off or `sync` says buffered), resuming
  // RocksDB first when an earlier write failed. UNAVAILABLE/INTERNAL when it fails; nothing is
  // then applied.
  absl::Status Write(rocksdb::WriteBatch* batch, absl::string_view what,
                     WriteSync sync = WriteSync::kSynced);
  // Records the key layout version in a new store; FAILED_PRECONDITION for another layout.
  absl::Status CheckLayout();
  // The id of a key (ReportId); NOT_FOUND when its region is not in its year's tree.
  static absl::StatusOr<std::string> IdOf(const registry::TimedRegistry& registry,
                                          const v1::ReportKey& key);
  absl::StatusOr<std::string> IdOf(const v1::ReportKey& key) const {
    return IdOf(*registry(), key);
  }
  // Reads the registry's histories.
  absl::Status LoadRegistryState();
  // Puts a history valid from 2019 on in place of every plain region record of a layout-2
  // store into `batch`.
  absl::Status MigrateRegionsToHistories(rocksdb::WriteBatch* batch);
  // Puts the index entries of every report head from `from_year` on into `batch` under the
  // registry's trees (after deleting the old ones), and collects the reports left without a
  // region (with the years seen).
  absl::Status ReindexFrom(int from_year, const registry::TimedRegistry& registry,
                           rocksdb::WriteBatch* batch, std::vector<v1::ReportKey>* stranded,
                           std::set<int>* years) const;
  // The key's entry in the subtree index under `registry`.
  static std::string IndexKeyOf(const registry::YearTree& registry, const v1::ReportKey& key);
  // The head of report `id` (nullopt when none); a head stored before reviews existed reads as
  // pending at its revision.
  absl::StatusOr<std::optional<v1::Revision>> ReadHead(const std::string& id) const;
  // The digest of report `id` at `head` (not withdrawn), with the head's review: the stored
  // one, else made from the revision.
  absl::StatusOr<v1::ReportDigest> ReadDigest(const std::string& id,
                                              const v1::Revision& head) const;
  // Puts the digest of every current revision that is not withdrawn (a layout-3 store has
  // none), writing every few thousand.
  absl::Status WriteDigests();
  // The stored disposition of a flag, else a new one with only flag_id.
  absl::StatusOr<v1::FlagDisposition> ReadDisposition(const std::string& flag_id) const;
  // The stored revision with the head's current review when it is the head's revision.
  static void WithHeadReview(const v1::Revision& head, v1::Revision* revision);
  absl::StatusOr<v1::Revision> ReadRevision(const std::string& id, int64_t revision) const;
  // Calls `visit` with every job in id order until it returns false.
  absl::Status ScanJobs(
      const std::function<bool(const std::string& key, v1::RollupJob& job)>& visit) const;
  // Scans keys in [prefix, PrefixEnd(prefix)) after the page token; skips the records `accept`
  // refuses (null: none), calls `add` with the others (it returns the bytes it added to the
  // page); ends the page at page_size added records or once it holds 2 MiB, and gives a next
  // page token (naming the last added record, bound to this listing's prefix) only when an
  // accepted record follows.
  using ScanAccept =
      std::function<absl::StatusOr<bool>(absl::string_view key, absl::string_view value)>;
  using ScanAdd =
      std::function<absl::StatusOr<size_t>(absl::string_view key, absl::string_view value)>;
  // `fill_cache` false for a bulk scan (PrefixIterator).
  absl::Status ScanPage(const std::string& prefix, int page_size, const std::string& page_token,
                        const ScanAccept& accept, const ScanAdd& add, bool fill_cache,
                        std::string* next_page_token) const;

  const std::unique_ptr<rocksdb::DB> db_;
  const std::string dir_;
  const StoreOptions options_;
  bool read_only_ = false;
  // RocksDB's level0_slowdown_writes_trigger for this database (CheckDiskSpace).
  uint64_t level0_slowdown_ = 20;
  const std::shared_ptr<std::atomic<bool>> fatal_;
  mutable absl::Mutex registry_mu_;
  std::shared_ptr<const registry::TimedRegistry> registry_ ABSL_GUARDED_BY(registry_mu_);
  absl::Mutex results_mu_;  // Serializes WriteResults (the checkpoint) and job updates.
  // Jobs waiting to be claimed (counted at open, then kept): the in-process worker tries a
  // claim before every wait for changes, and with none waiting no job record is read.
  int64_t pending_jobs_ ABSL_GUARDED_BY(results_mu_) = 0;
  // A commit waiting in the group-commit queue (see Commit).
  struct PendingCommit {
    const CommitRequest* request;
    // Made by the caller before it queues: the report as it is stored (its key's scope
    // normalized), serialized deterministically, and its digest's report part.
    std::string content;
    v1::ReportDigest digest;
    absl::StatusOr<CommitResult> result = absl::InternalError("not committed");
    bool done = false;
  };
  // The most commits one synced batch takes.
  static constexpr size_t kMaxGroupCommits = 256;
  // Decides each commit of the group in order (as if one after the other) and writes all of
  // them in one synced batch; fills every result.
  void CommitGroup(const std::vector<PendingCommit*>& group);
  // Reads the stored head of report `id` (nullopt when it has none) and, when there is one, its
  // report serialized deterministically into *content (CommitGroup's idempotency check).
  absl::Status ReadStoredHead(const std::string& id, std::optional<v1::Revision>* head,
                              std::string* content) const;
  // The revision of report `id` last approved (nullopt when none), to diff a new one against.
  absl::StatusOr<std::optional<v1::Revision>> ReadApproved(
      const std::string& id, const std::optional<v1::Revision>& head) const;

  absl::Mutex queue_mu_;
  std::deque<PendingCommit*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool leader_active_ ABSL_GUARDED_BY(queue_mu_) = false;
  absl::Mutex commit_mu_ ABSL_ACQUIRED_AFTER(queue_mu_);
  int64_t last_sequence_ ABSL_GUARDED_BY(commit_mu_) = 0;
  // Sets head_sequence_ and wakes AwaitHeadAfter.
  void PublishHead(int64_t sequence);
  std::atomic<int64_t> head_sequence_{0};
  mutable absl::Mutex head_mu_;
  mutable absl::CondVar head_moved_;
  std::atomic<bool> write_failed_{false};
  absl::Mutex principals_mu_;  // Serializes creating and updating principals.
  absl::Mutex dispositions_mu_ ABSL_ACQUIRED_AFTER(commit_mu_);  // Serializes UpdateDisposition.
};

}  // namespace gongkai::storage

#endif  // GONGKAI_STORAGE_STORE_H_

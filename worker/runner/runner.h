// The aggregation worker's loop. It talks to gongkaid through gRPC: it reads the region
// registry and the reports, follows the change log (a WatchChanges stream that carries the
// revisions, so that a commit reaches it at once; see change_feed.h), computes rollups and
// anomaly flags with the arithmetic in worker/, and writes them back (with its checkpoint)
// through WorkerService. gongkai-worker runs one on its own; gongkaid runs one in-process,
// whose writes go to WorkerService's handler directly (RunnerOptions::write_results).
//
// Start-up resumes from the checkpoint stored with the results: the latest years with reports
// (RunnerOptions::resident_years) are loaded and rolled up afresh, with the year before each to
// compare with; the change log is followed from the checkpoint, and a change to a year not in
// memory loads that year (and the years beside it that its flags compare with) and writes it
// whole. Older years keep their stored results until a change reaches them or the scheduled
// recompute refreshes them one at a time (and lets them go again). Without a usable checkpoint
// (none stored, or beyond the log's head: a restored store), or with resident_years 0, every
// year with reports is loaded and written, and the log followed from its head. Applying a
// revision is idempotent (a revision not newer than the key's applied one changes nothing), so
// a restarted worker neither double counts nor misses a change.
//
// Thread-safe: Run() on one thread, Stop() from any.
#ifndef GONGKAI_WORKER_RUNNER_RUNNER_H_
#define GONGKAI_WORKER_RUNNER_RUNNER_H_

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/serialize.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "gongkai/v1/rollup_service.grpc.pb.h"
#include "grpcpp/channel.h"
#include "observability/metrics.h"
#include "worker/model.h"
#include "worker/runner/change_feed.h"
#include "worker/runner/rpc.h"
#include "worker/settings.h"

namespace gongkai::worker {

struct RunnerOptions {
  Settings settings;
  // How often to look for rollup jobs when no change arrives (changes wake the worker at once).
  absl::Duration poll_interval = absl::Milliseconds(100);
  // While changes keep coming, results are written at most this often: each write covers every
  // change since the last, where a write per change would rebuild the ancestors' rollups up to
  // the nation's for each (a change after a quiet spell is written at once). 0: after every
  // step (each batch of changes taken).
  absl::Duration flush_interval = absl::Milliseconds(2);
  // How often to recompute every year from scratch (and report any drift).
  absl::Duration full_recompute_interval = absl::Hours(6);
  // After an RPC error, wait this long before trying again.
  absl::Duration retry_interval = absl::Seconds(1);
  // The channel goes over the network (gongkai-worker's): while waiting to retry, drive its
  // reconnection (Runner::WaitToRetry). An in-process channel has no connection to drive.
  bool network_channel = false;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Results are written in requests of about this size (halved, down to 4 KiB, each time the
  // server refuses a request as too large).
  size_t write_chunk_bytes = 2 << 20;
  // Log lines go here (stderr by default); errors (a worker that keeps failing) go to
  // `error_log` when set.
  std::function<void(const std::string&)> log;
  std::function<void(const std::string&)> error_log;
  // Sent as "authorization: Bearer <token>" on every call (a principal with the worker role
  // over the whole nation); empty: none (a server running open).
  std::string token;
  // In gongkaid: results go to WorkerService's own handler in the same process, not through
  // the channel, serialized once as the store keeps them (the serialization that fingerprints
  // them). Unset: WorkerService.WriteResults over the channel.
  std::function<absl::Status(const SerializedResults&)> write_results;
  // Likewise in gongkaid: a year's report digests straight from WorkerService's handler, not
  // parsed out of a message once more. Unset: WorkerService.ListReportDigests over the channel.
  std::function<absl::Status(const v1::ListReportDigestsRequest&, v1::ListReportDigestsResponse*)>
      list_digests;
  // Likewise in gongkaid: the change feed from ReportService.WatchChanges's handler, run on the
  // feed's thread. Unset: the stream over the channel.
  ChangeFeed::Source watch_changes;
  // Likewise in gongkaid: rollup jobs claimed (NotFound: none waiting) and finished through
  // WorkerService's handlers — a claim is tried before every wait for changes. Unset:
  // WorkerService.ClaimRollupJob and FinishRollupJob over the channel.
  std::function<absl::Status(v1::RollupJob*)> claim_job;
  std::function<absl::Status(const v1::RollupJob&)> finish_job;
  // Threads that build rollups and flags (the worker's own thread among them).
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The latest years with reports held in memory after a start and a scheduled recompute (with
  // the year before each, to compare with); 0: every year.
  int resident_years = 1;
  // A year outside the resident ones, loaded for a change (or to compare with one), is let go
  // once no result of it or of the next year was written for this long.
  absl::Duration idle_year_ttl = absl::Minutes(10);
  // At most this many such years stay loaded once the worker is idle, whatever idle_year_ttl
  // says: the least recently used beyond it are let go. A change to a year Y uses Y, Y + 1 (its
  // flags compare with Y) and Y − 1 (Y's compare with it): three, so that a trickle of changes
  // to one year loads nothing again.
  int max_extra_years = 3;
};

class Runner {
 public:
  Runner(std::shared_ptr<grpc::Channel> channel, RunnerOptions options);

  // Runs until Stop(); returns OK then, its change stream ended (nothing more reaches the
  // server). RPC errors are logged and retried.
  absl::Status Run();
  void Stop();

  // One full recompute of `year` (and the year before, for carry-over) written without
  // moving the checkpoint; for `gongkai-worker --once` and cron jobs.
  absl::Status RecomputeOnce(int year);

  // What the worker has done so far (thread-safe; for its metrics).
  struct Stats {
    int64_t applied_sequence = 0;  // every change up to here is applied and written
    int years_loaded = 0;
    int64_t full_recomputes = 0;
    // Rollups built by the last write of a whole year: every region's, except in a full
    // recompute on a year already written whole (only where the models' sums differed).
    int64_t last_whole_write_rollups = 0;
    int64_t write_failures = 0;
    // By year in memory, the narrative pairs it remembers (YearModel::NarrativeSimilarities),
    // as of the last time the worker was caught up.
    std::map<int, int64_t> remembered_similarities;
  };
  Stats GetStats() const;

 private:
  struct Drift {
    std::vector<std::string> regions;
    int reports = 0;
  };

  // A context with the deadline and the credentials for one call.
  std::unique_ptr<grpc::ClientContext> Context() const;
  absl::Status Start();
  // The tree of `year` (ListRegions of that year), loaded once and kept until a registry
  // change reaches it.
  absl::StatusOr<std::shared_ptr<const RegionTree>> TreeOf(int year);
  absl::StatusOr<int64_t> Head();
  // The checkpoint stored with the results (0: none yet).
  absl::StatusOr<int64_t> StoredCheckpoint();
  // Whether the server no longer holds what this worker wrote: its stored checkpoint is behind
  // the one this worker last wrote, which WriteResults never allows, so the results were
  // dropped with it (`gongkaid --reload_registry`) or the store restored from a backup.
  absl::StatusOr<bool> StoredResultsDropped();
  // One page of a year's report digests (WorkerService.ListReportDigests), on an arena of its
  // own: a page of a thousand reports is parsed into it and freed with it whole.
  struct DigestPage {
    std::unique_ptr<google::protobuf::Arena> arena;
    v1::ListReportDigestsResponse* response = nullptr;  // on `arena`
  };
  absl::StatusOr<DigestPage> ListDigests(int year, int page_size, std::string page_token);
  // A year's model from its stored reports; `donor`, the model of the year in memory if any,
  // lends what does not need making again (YearModel::ApplyAll).
  absl::StatusOr<std::unique_ptr<YearModel>> LoadYear(int year, const YearModel* donor = nullptr);
  // Loads `year` when it has reports and is not in memory.
  absl::Status EnsureLoaded(int year);
  // For a change that `year`'s model may have been loaded with (so applying it changes
  // nothing), the regions whose results it may still have to change: the key's region and
  // its ancestors. Empty for a later change.
  std::vector<int> Included(int year, const v1::ChangeEvent& change);
  // The years kept in memory: the latest resident_years with reports and the year before each.
  std::set<int> ResidentYears() const;
  // Every year with reports, in order: those in memory recomputed in full, the others refreshed
  // (loaded and written where their results changed); the years not resident are let go as
  // soon as the next year no longer compares with them.
  absl::Status ScheduledRecompute();
  // Lets go of the years outside the resident ones that are idle (idle_year_ttl), then of the
  // least recently used of the others beyond max_extra_years. Returns whether it let go of any.
  bool LetGoIdleYears();
  // Whenever caught up: the years in memory beyond the resident ones forget the narrative
  // similarities they remember (~9–36 MB a national year, worth keeping only for the resident
  // years' frequent changes and full recomputes); stats_ counts those left. Returns whether any
  // year forgot some (memory to hand back).
  bool ForgetOlderYearsSimilarities();
  // Applies the changes from next_sequence_ (at most 2,000, waiting until `deadline`
  // for the first) and writes what they affect — `paced`: only once flush_interval has passed
  // since the last write, taking changes until then. `extra` also receives the revisions of its
  // year (a fresh model being compared). Returns how many changes it applied, or 1 when it
  // applied none but earlier steps had left results unwritten (0: the worker was idle).
  absl::StatusOr<int> FollowOnce(YearModel* extra, absl::Time deadline, bool paced = false);
  // Applies `changes` (taken from the feed in order) to the models, marking what they affect
  // as pending.
  absl::Status ApplyChanges(std::vector<ChangeFeed::Change>* changes, YearModel* extra);
  // Writes what earlier steps left unwritten, then applies every change up to the head of the
  // log as it is now.
  absl::Status CatchUp(YearModel* extra);
  // A registry change from `from_year` on: those years' trees are loaded again, and their
  // models rebuilt and written whole.
  absl::Status ApplyRegistryChange(int from_year);
  // Applies the revision a change names by its digest (`carried` by the feed, else made from
  // the revision read with GetReport); marks what it affects as pending.
  absl::Status ApplyRevision(const v1::ChangeEvent& change, std::optional<v1::ReportDigest> carried,
                             YearModel* extra);
  absl::Status FullRecompute(int year, const std::string& subtree, Drift* drift);
  absl::Status RunJob();
  // Writes rollups of `rollup_regions` and anomaly sets of `flag_regions` for the year: only the
  // flag sets whose content differs from what this worker last wrote (all of them with
  // `replace_year`), and with `only_changed` only such rollups too (else every one, stamped
  // with the checkpoint's sequence).
  absl::Status Write(int year, const std::set<int>& rollup_regions,
                     const std::set<int>& flag_regions, std::optional<int64_t> checkpoint,
                     bool replace_year, bool only_changed = false);
  // Writes every region's results for the year: all of them the first time on the year's
  // tree (deleting the year's stored flags first), afterwards only those that changed. With
  // `rollups` (once written whole), only those regions' rollups are built and compared: the
  // others are known to be as stored.
  absl::Status WriteAll(int year, std::optional<int64_t> checkpoint,
                        const std::set<int>* rollups = nullptr);
  // One piece of results: `serialized` through options_.write_results, or `request` (the same
  // results as messages) through the channel; either built on written_checkpoint_, which the
  // server refuses when its own is behind (the results this worker wrote were dropped).
  absl::Status SendResults(v1::WriteResultsRequest* request, SerializedResults* serialized,
                           absl::string_view what);
  // The checkpoint alone (with no results), under `year` (any reporting year).
  absl::Status SendCheckpoint(int year, int64_t checkpoint);
  // Writes what the applied changes affected (pending_), with next_sequence_ − 1 as the
  // checkpoint. What could not be written stays pending and is written first next time.
  absl::Status Flush();
  YearModel* ModelOf(int year);
  bool Stopped();
  // Waits options_.retry_interval (or until Stop()) before a failed step is retried, driving the
  // channel's reconnection meanwhile.
  void WaitToRetry();
  void Log(const std::string& line) const;

  RunnerOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::RegionService::Stub> regions_;
  std::unique_ptr<v1::WorkerService::Stub> results_;
  ChangeFeed feed_;
  std::map<int, std::shared_ptr<const RegionTree>> trees_;
  std::map<int, std::unique_ptr<YearModel>> models_;
  // Every year that has (or had) reports, loaded or not: probed at the start, and a year joins
  // when a change of it arrives.
  std::set<int> years_with_reports_;
  // The head of the change log read after EnsureLoaded loaded a year: the model may include any
  // change up to it, whose results, unlike the model's, are not written yet.
  std::map<int, int64_t> loaded_through_;
  // When each year in memory was last loaded, written or compared with (for idle_year_ttl).
  std::map<int, absl::Time> last_used_;
  // Results that applied changes affected and that are not written yet, per year.
  struct Pending {
    std::set<int> rollup_regions;
    std::set<int> flag_regions;
    bool whole_year = false;
  };
  std::map<int, Pending> pending_;
  // What this worker last wrote of each region's results in a year, as fingerprints of their
  // content (a rollup's without its sequence and compute time; 0: not written yet), for the
  // tree they were written on (held, so that its address is not reused by another).
  struct Written {
    std::shared_ptr<const RegionTree> tree;
    std::vector<uint64_t> rollups;
    std::vector<uint64_t> flags;
  };
  std::map<int, Written> written_;
  // The year's fingerprints, cleared when its model rolls up on another tree.
  Written& WrittenOf(const YearModel& model);
  // The checkpoint this worker last wrote, or read when it started (-1 before its first start).
  int64_t written_checkpoint_ = -1;
  int64_t next_sequence_ = 1;
  // Whether results are due to be written: regions pending (from changes applied, or a whole
  // year's write that failed), or only the checkpoint behind (changes that affected nothing).
  bool Unwritten() const { return !pending_.empty() || written_checkpoint_ != next_sequence_ - 1; }
  // When results were last written (for flush_interval).
  absl::Time last_flush_ = absl::InfinitePast();
  absl::Time last_full_ = absl::InfinitePast();
  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  size_t chunk_bytes_;  // options_.write_chunk_bytes, halved when the server refuses a size.
};

// The runner's figures as /metrics gauges, for gongkaid's in-process worker and gongkai-worker
// alike: gongkai_worker_years_loaded, gongkai_worker_remembered_similarities (summed over the
// years), gongkai_worker_full_recomputes_total and gongkai_worker_write_failures_total.
std::vector<Metrics::Gauge> RunnerGauges(const Runner::Stats& stats);

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_RUNNER_RUNNER_H_

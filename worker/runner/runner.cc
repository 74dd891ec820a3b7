#include "worker/runner/runner.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/constants.h"
#include "common/memory.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "grpcpp/client_context.h"
#include "proto/change_event.h"
#include "proto/digest.h"
#include "worker/anomalies.h"

namespace gongkai::worker {
namespace {

// Failures in a row after which the worker says it is stuck as an error.
constexpr int kFailuresBeforeError = 3;
// Changes applied, at most, before their results are written. A worker that keeps up takes a
// few at a time; one behind (a bulk load) builds the rollups of the ancestors its changes share,
// and the flags of their siblings, once per step: 2,000 rather than 500 took the lag at the end
// of a national bulk load from ~5 s to ~1 s (bench/notes.md, step 11).
constexpr size_t kChangesPerStep = 2000;

}  // namespace

std::unique_ptr<grpc::ClientContext> Runner::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(5)));
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  }
  return context;
}

Runner::Runner(std::shared_ptr<grpc::Channel> channel, RunnerOptions options)
    : options_(std::move(options)),
      channel_(channel),
      reports_(v1::ReportService::NewStub(channel)),
      regions_(v1::RegionService::NewStub(channel)),
      results_(v1::WorkerService::NewStub(channel)),
      feed_(reports_.get(), options_.token, options_.watch_changes),
      chunk_bytes_(options_.write_chunk_bytes) {}

void Runner::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "gongkai-worker: " << line << std::endl;
  }
}

Runner::Stats Runner::GetStats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

std::vector<Metrics::Gauge> RunnerGauges(const Runner::Stats& stats) {
  double remembered = 0;
  for (const auto& [year, pairs] : stats.remembered_similarities) remembered += pairs;
  return {
      {"gongkai_worker_years_loaded", "Years held in memory.", "",
       static_cast<double>(stats.years_loaded)},
      {"gongkai_worker_remembered_similarities",
       "Narrative pairs the years in memory remember, as of the last catch-up.", "", remembered},
      {"gongkai_worker_full_recomputes_total", "Full recomputes of a year.", "",
       static_cast<double>(stats.full_recomputes), /*counter=*/true},
      {"gongkai_worker_write_failures_total", "Result writes that failed (then retried).", "",
       static_cast<double>(stats.write_failures), /*counter=*/true},
  };
}

void Runner::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  feed_.Stop();
}

bool Runner::Stopped() {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

void Runner::WaitToRetry() {
  // While every call fails fast, nothing polls the channel's connection attempts but gRPC's
  // backup poller, every 5 s: a restarted gongkaid's connection completed that much later
  // (bench/notes.md, step 21). Waiting for the channel to connect polls them.
  const absl::Time until = absl::Now() + options_.retry_interval;
  while (options_.network_channel && !Stopped() && absl::Now() < until &&
         !channel_->WaitForConnected(
             absl::ToChronoTime(std::min(until, absl::Now() + absl::Milliseconds(100))))) {
  }
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(&stopped_), until);
}

YearModel* Runner::ModelOf(int year) {
  auto it = models_.find(year);
  return it == models_.end() ? nullptr : it->second.get();
}

absl::Status Runner::EnsureLoaded(int year) {
  if (ModelOf(year) != nullptr || !years_with_reports_.contains(year)) return absl::OkStatus();
  GONGKAI_ASSIGN_OR_RETURN(models_[year], LoadYear(year));
  GONGKAI_ASSIGN_OR_RETURN(loaded_through_[year], Head());
  last_used_[year] = options_.clock();
  return absl::OkStatus();
}

std::vector<int> Runner::Included(int year, const v1::ChangeEvent& change) {
  auto it = loaded_through_.find(year);
  if (it == loaded_through_.end() || change.sequence() > it->second) return {};
  const RegionTree& tree = ModelOf(year)->tree();
  const int region = tree.Find(change.key().region_code());
  return region < 0 ? std::vector<int>() : tree.Ancestors(region);
}

std::set<int> Runner::ResidentYears() const {
  if (options_.resident_years <= 0) return years_with_reports_;
  std::set<int> resident;
  int latest = 0;
  for (auto it = years_with_reports_.rbegin();
       it != years_with_reports_.rend() && latest < options_.resident_years; ++it, ++latest) {
    resident.insert(*it);
    if (years_with_reports_.contains(*it - 1)) resident.insert(*it - 1);
  }
  return resident;
}

bool Runner::LetGoIdleYears() {
  if (options_.resident_years <= 0) return false;
  const std::set<int> resident = ResidentYears();
  const absl::Time now = options_.clock();
  bool any = false;
  auto let_go = [this, &any](int year, const std::string& why) {
    any = true;
    models_.erase(year);
    Log(absl::StrCat("let go of ", year, ": ", why));
    absl::MutexLock lock(&mu_);
    stats_.years_loaded = static_cast<int>(models_.size());
  };
  // The years beyond the resident ones that stay: (last used, year), least recent first.
  std::vector<std::pair<absl::Time, int>> extra;
  std::vector<int> loaded;
  for (const auto& [year, model] : models_) loaded.push_back(year);
  for (const int year : loaded) {
    if (resident.contains(year) || pending_.contains(year)) continue;
    auto used = last_used_.find(year);
    if (used != last_used_.end() && now - used->second < options_.idle_year_ttl) {
      extra.emplace_back(used->second, year);
    } else {
      let_go(year, absl::StrCat("idle for ", absl::FormatDuration(options_.idle_year_ttl)));
    }
  }
  std::sort(extra.begin(), extra.end());
  for (size_t i = 0; i + std::max(options_.max_extra_years, 0) < extra.size(); ++i) {
    let_go(extra[i].second, absl::StrCat("more than ", options_.max_extra_years,
                                         " year(s) beyond the resident ones in memory"));
  }
  return any;
}

bool Runner::ForgetOlderYearsSimilarities() {
  const std::set<int> resident = ResidentYears();
  std::map<int, int64_t> remembered;
  bool forgot = false;
  for (const auto& [year, model] : models_) {
    if (!resident.contains(year) && model->remembered_similarities() > 0) {
      model->ForgetSimilarities();
      forgot = true;
    }
    remembered[year] = static_cast<int64_t>(model->remembered_similarities());
  }
  absl::MutexLock lock(&mu_);
  stats_.remembered_similarities = std::move(remembered);
  return forgot;
}

absl::Status Runner::Start() {
  GONGKAI_ASSIGN_OR_RETURN(int64_t head, Head());
  GONGKAI_ASSIGN_OR_RETURN(int64_t stored, StoredCheckpoint());
  // What the writes of this start build on (refused should the server drop it meanwhile).
  written_checkpoint_ = stored;
  trees_.clear();
  models_.clear();
  years_with_reports_.clear();
  loaded_through_.clear();
  last_used_.clear();
  const int current_year =
      static_cast<int>(absl::ToCivilYear(options_.clock(), options_.settings.zone).year());
  for (int year = kFirstReportingYear; year <= current_year; ++year) {
    GONGKAI_ASSIGN_OR_RETURN(DigestPage page, ListDigests(year, 1, ""));
    if (!page.response->digests().empty()) years_with_reports_.insert(year);
  }
  // Resume from the stored checkpoint when the log reaches it: only the latest years are rolled
  // up afresh; the others keep their stored results, which the changes since the checkpoint
  // reach as they are followed. Otherwise every year is rolled up, and the log followed from
  // its head.
  const bool resume = options_.resident_years > 0 && stored > 0 && stored <= head;
  std::set<int> rolled_up = years_with_reports_;
  while (resume && rolled_up.size() > static_cast<size_t>(options_.resident_years)) {
    rolled_up.erase(rolled_up.begin());
  }
  for (int year : rolled_up) {
    if (Stopped()) return absl::CancelledError("stopping");
    GONGKAI_RETURN_IF_ERROR(EnsureLoaded(year));
  }
  next_sequence_ = (resume ? stored : head) + 1;
  for (auto it = rolled_up.begin(); it != rolled_up.end(); ++it) {
    const bool last = std::next(it) == rolled_up.end() && !resume;
    // (Writing loads the year before, to compare with.)
    GONGKAI_RETURN_IF_ERROR(WriteAll(*it, last ? std::optional<int64_t>(head) : std::nullopt));
  }
  if (!resume && rolled_up.empty()) {
    GONGKAI_RETURN_IF_ERROR(SendCheckpoint(current_year, head));
  }
  written_checkpoint_ = next_sequence_ - 1;
  pending_.clear();
  {
    absl::MutexLock lock(&mu_);
    stats_.applied_sequence = written_checkpoint_;
    stats_.years_loaded = static_cast<int>(models_.size());
  }
  last_full_ = options_.clock();
  Log(absl::StrCat("rolled up ", rolled_up.size(), " of ", years_with_reports_.size(),
                   " year(s) with reports (", models_.size(),
                   " in memory); following the change log from ", next_sequence_));
  return absl::OkStatus();
}

absl::StatusOr<int> Runner::FollowOnce(YearModel* extra, absl::Time deadline, bool paced) {
  // When results are due: at once, or (paced) flush_interval after the last write.
  const auto due = [&] {
    return paced ? last_flush_ + options_.flush_interval : absl::InfinitePast();
  };
  // First whatever an earlier failure or paced step left unwritten.
  const bool earlier = Unwritten();
  if (absl::Now() >= due()) GONGKAI_RETURN_IF_ERROR(Flush());
  if (!feed_.At(next_sequence_)) {
    // A new stream (at start, after an error, or to read again what a failure left unapplied).
    GONGKAI_ASSIGN_OR_RETURN(int64_t head, Head());
    if (head < next_sequence_ - 1) {
      // The store's log is shorter than what we applied: it was restored from a backup.
      return absl::FailedPreconditionError(absl::StrCat(
          "the change log head ", head, " is behind the worker's ", next_sequence_ - 1));
    }
    feed_.Start(next_sequence_);
  }
  // Paced with results unwritten, changes are taken until the write is due.
  int applied = 0;
  for (;;) {
    const bool unwritten = Unwritten();
    GONGKAI_ASSIGN_OR_RETURN(std::vector<ChangeFeed::Change> changes,
                             feed_.Take(next_sequence_, kChangesPerStep - applied,
                                        unwritten ? std::min(deadline, due()) : deadline));
    GONGKAI_RETURN_IF_ERROR(ApplyChanges(&changes, extra));
    applied += static_cast<int>(changes.size());
    if (changes.empty() || applied >= static_cast<int>(kChangesPerStep) || absl::Now() >= due()) {
      break;
    }
  }
  if (absl::Now() >= due()) GONGKAI_RETURN_IF_ERROR(Flush());
  // Earlier steps' changes, written now or still waiting, keep the worker from counting as idle.
  if (applied == 0 && earlier) return 1;
  return applied;
}

absl::Status Runner::ApplyChanges(std::vector<ChangeFeed::Change>* changes, YearModel* extra) {
  for (ChangeFeed::Change& item : *changes) {
    const v1::ChangeEvent& change = item.event;
    if (change.has_registry_change()) {
      GONGKAI_RETURN_IF_ERROR(ApplyRegistryChange(change.registry_change().from_year()));
      next_sequence_ = change.sequence() + 1;
      continue;
    }
    const int year = change.key().year();
    years_with_reports_.insert(year);
    if (ModelOf(year) == nullptr) {
      // A year seen for the first time, or not in memory: load it whole (it includes this
      // change) and write it whole. The next year's carry-over, swings and copied narratives
      // compare with it: write that one whole too (only what changed, once written).
      GONGKAI_RETURN_IF_ERROR(EnsureLoaded(year));
      pending_[year].whole_year = true;
      GONGKAI_RETURN_IF_ERROR(EnsureLoaded(year + 1));
      if (ModelOf(year + 1) != nullptr) pending_[year + 1].whole_year = true;
      next_sequence_ = change.sequence() + 1;
      continue;
    }
    if (IsReviewDecision(change)) {
      // A review decision: the counts of review states change, the report does not.
      if (extra != nullptr && extra->year() == year)
        extra->ApplyReview(change.key(), change.review());
      std::vector<int> changed = ModelOf(year)->ApplyReview(change.key(), change.review());
      if (changed.empty()) changed = Included(year, change);
      pending_[year].rollup_regions.insert(changed.begin(), changed.end());
      next_sequence_ = change.sequence() + 1;
      continue;
    }
    // On failure nothing of this page is applied past this change; it is read again.
    GONGKAI_RETURN_IF_ERROR(ApplyRevision(change, std::move(item.digest), extra));
    next_sequence_ = change.sequence() + 1;
  }
  return absl::OkStatus();
}

absl::Status Runner::CatchUp(YearModel* extra) {
  // What a paced step left unwritten first, even with no change to take: what follows (a full
  // recompute, a refresh) writes a checkpoint, and builds only what differs from the results
  // stored.
  GONGKAI_RETURN_IF_ERROR(Flush());
  GONGKAI_ASSIGN_OR_RETURN(int64_t head, Head());
  while (next_sequence_ <= head) {
    if (Stopped()) return absl::CancelledError("stopping");
    GONGKAI_RETURN_IF_ERROR(FollowOnce(extra, absl::Now() + absl::Seconds(1)).status());
  }
  return absl::OkStatus();
}

absl::Status Runner::ApplyRevision(const v1::ChangeEvent& change,
                                   std::optional<v1::ReportDigest> carried, YearModel* extra) {
  const int year = change.key().year();
  v1::ReportDigest digest;
  if (carried.has_value()) {
    digest = std::move(*carried);
  } else {
    v1::GetReportRequest get;
    *get.mutable_key() = change.key();
    get.set_revision(change.revision());
    get.set_view(v1::REPORT_VIEW_FULL);
    v1::Revision revision;
    GONGKAI_RETURN_IF_ERROR(
        FromGrpc(reports_->GetReport(Context().get(), get, &revision), "read a changed report"));
    digest = DigestOf(revision);
  }
  if (extra != nullptr && extra->year() == year) extra->Apply(digest);
  std::vector<int> changed = ModelOf(year)->Apply(digest);
  if (changed.empty()) changed = Included(year, change);
  if (changed.empty()) return absl::OkStatus();
  Pending& pending = pending_[year];
  pending.rollup_regions.insert(changed.begin(), changed.end());
  for (int r : AffectedRegions(*ModelOf(year), change.key(), changed.front())) {
    pending.flag_regions.insert(r);
  }
  // Next year's cross-year flags of the same unit: under the same code, or the code it became.
  GONGKAI_RETURN_IF_ERROR(EnsureLoaded(year + 1));
  if (const YearModel* next = ModelOf(year + 1)) {
    int region = next->tree().Find(change.key().region_code());
    if (region < 0 || !next->tree().PreviousCode(region).empty()) {
      region = next->tree().SuccessorOf(change.key().region_code());
    }
    if (region >= 0) pending_[year + 1].flag_regions.insert(region);
  }
  return absl::OkStatus();
}

absl::Status Runner::ApplyRegistryChange(int from_year) {
  trees_.erase(trees_.lower_bound(from_year), trees_.end());
  // Every year from then on, in memory or not: its reports afresh on its new tree (this
  // includes every later change of the year; applying those again changes nothing).
  std::set<int> years = years_with_reports_;
  for (const auto& [year, model] : models_) years.insert(year);
  for (int year : years) {
    if (year < from_year) continue;
    GONGKAI_ASSIGN_OR_RETURN(models_[year], LoadYear(year, ModelOf(year)));
    pending_[year] = Pending{.whole_year = true};
  }
  Log(absl::StrCat("the registry changed from ", from_year, "; rolling those years up again"));
  return absl::OkStatus();
}

absl::Status Runner::Run() {
  constexpr int kFailuresBeforeRestart = 5;
  bool started = false;
  int failures = 0;
  bool followed_since_trim = false;
  // After a failure (the server restarted, say): whether the server still holds what this
  // worker wrote. Its fingerprints say what the store holds, and a change's write skips the
  // flag sets they say are stored.
  bool check_stored = false;
  while (!Stopped()) {
    absl::Status status;
    int applied = 0;
    if (started && check_stored) {
      absl::StatusOr<bool> dropped = StoredResultsDropped();
      status = dropped.status();
      if (dropped.ok()) {
        check_stored = false;
        started = !*dropped;
      }
    }
    if (status.ok() && !started) {
      status = Start();
      started = status.ok();
    } else if (status.ok()) {
      status = RunJob();
      // The interval runs from the start of one scheduled recompute to the next.
      const absl::Time now = options_.clock();
      if (status.ok() && now - last_full_ >= options_.full_recompute_interval) {
        status = ScheduledRecompute();
        if (status.ok()) last_full_ = now;
      }
      if (status.ok()) {
        // Waits for a change, and looks for jobs again when none came.
        absl::StatusOr<int> followed =
            FollowOnce(nullptr, absl::Now() + options_.poll_interval, /*paced=*/true);
        status = followed.status();
        applied = followed.ok() ? *followed : 0;
      }
    }
    if (status.ok()) {
      failures = 0;
    } else if (!Stopped()) {
      check_stored = started;
      Log(absl::StrCat("will retry: ", status.ToString()));
      if (failures + 1 == kFailuresBeforeError) {
        const std::string stuck = absl::StrCat(
            "the worker has failed ", kFailuresBeforeError,
            " times in a row and its rollups and flags are going stale: ", status.ToString());
        options_.error_log ? options_.error_log(stuck) : Log(stuck);
      }
      // Something keeps failing (the store restored to an earlier head, …): start over from
      // the server's state, which is always safe.
      if (++failures >= kFailuresBeforeRestart) {
        Log("starting over from the server's state");
        started = false;
        failures = 0;
      }
    }
    const bool let_go = status.ok() && applied == 0 && LetGoIdleYears();
    const bool forgot = status.ok() && applied == 0 && ForgetOlderYearsSimilarities();
    followed_since_trim |= applied > 0;
    if (applied == 0 && (followed_since_trim || let_go || forgot)) {
      // Caught up after a burst of changes (its transient messages leave the heap's freed pages
      // fragmented), or let go of a year's model or of an older year's remembered similarities
      // (after a rollup job for it, say): hand the freed pages back to the system, as after a
      // full write. TCMalloc would otherwise keep a year's worth for later, long after
      // the year idled out.
      ReleaseFreeMemory();
      followed_since_trim = false;
    }
    if (!status.ok()) WaitToRetry();
  }
  // Leaves no stream behind: whoever joins this thread may shut the server down at once.
  feed_.Close();
  return absl::OkStatus();
}

}  // namespace gongkai::worker

// The worker's full recomputes: rollup jobs claimed from the server, the scheduled ones, and the
// drift they find between the incremental state and a recompute from scratch; and `--once`'s
// recompute of one year (RecomputeOnce).
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "grpcpp/client_context.h"
#include "worker/anomalies.h"
#include "worker/runner/runner.h"

namespace gongkai::worker {
namespace {

constexpr int kMaxDriftListed = 100;

}  // namespace

absl::Status Runner::FullRecompute(int year, const std::string& subtree, Drift* drift) {
  // A year without a model would be loaded whole by FollowOnce below, bypassing `fresh`: load
  // it (a year with reports not in memory), or give it an empty one, so that every change
  // reaches both.
  GONGKAI_RETURN_IF_ERROR(EnsureLoaded(year));
  if (ModelOf(year) == nullptr) {
    GONGKAI_ASSIGN_OR_RETURN(std::shared_ptr<const RegionTree> tree, TreeOf(year));
    models_[year] = std::make_unique<YearModel>(year, std::move(tree), &options_.settings);
  }
  // Catch up, load the year afresh, then bring both models to the same change log position
  // so that any difference between them is drift, not timing.
  GONGKAI_RETURN_IF_ERROR(CatchUp(nullptr));
  const absl::Time start = absl::Now();
  GONGKAI_ASSIGN_OR_RETURN(auto fresh, LoadYear(year, ModelOf(year)));
  GONGKAI_RETURN_IF_ERROR(CatchUp(fresh.get()));
  drift->reports = fresh->report_count();
  // The rollups to build: a rollup depends only on the sums and counts of its region and of the
  // regions below it (which of them filed is in their counts), so where the fresh model's equal
  // the incremental one's in a region and everywhere below it, the stored rollup — written
  // from the incremental model — is the fresh one's. Unset: every region's.
  std::optional<std::set<int>> rebuild;
  const YearModel* incremental = ModelOf(year);
  if (incremental != nullptr && &incremental->tree() != &fresh->tree()) {
    // A registry change met while catching up loaded the year afresh on its new tree: that
    // model is the recompute's (the fresh one is on the old tree). Nothing to compare.
    fresh = nullptr;
  } else if (incremental != nullptr) {
    const RegionTree& tree = incremental->tree();
    const int root = tree.Find(subtree.empty() ? std::string(kNationCode) : subtree);
    rebuild.emplace();
    for (int region : incremental->Differences(*fresh)) {
      const std::vector<int> ancestors = tree.Ancestors(region);  // the region first
      rebuild->insert(ancestors.begin(), ancestors.end());
      if (root >= 0 && std::find(ancestors.begin(), ancestors.end(), root) == ancestors.end()) {
        continue;
      }
      if (drift->regions.size() < kMaxDriftListed) {
        drift->regions.push_back(tree.region(region).code);
      }
    }
    if (!drift->regions.empty()) {
      Log(absl::StrCat("DRIFT in ", year, ": ", drift->regions.size(),
                       " region(s) differ between incremental and full rollups"));
    }
  }
  if (fresh != nullptr) models_[year] = std::move(fresh);
  const absl::Time loaded = absl::Now();
  absl::Status written =
      WriteAll(year, next_sequence_ - 1, rebuild.has_value() ? &*rebuild : nullptr);
  {
    absl::MutexLock lock(&mu_);
    ++stats_.full_recomputes;  // counted once its results are written (or failed to be)
  }
  // Whatever was not written is written whole again before anything else.
  if (!written.ok()) {
    pending_[year].whole_year = true;
    return written;
  }
  Log(absl::StrCat("recomputed ", year, " in full: ", drift->reports, " report(s) read in ",
                   absl::FormatDuration(absl::Trunc(loaded - start, absl::Milliseconds(1))),
                   ", results written in ",
                   absl::FormatDuration(absl::Trunc(absl::Now() - loaded, absl::Milliseconds(1))),
                   " (", GetStats().last_whole_write_rollups, " rollup(s) built)"));
  return written;
}

absl::Status Runner::ScheduledRecompute() {
  const std::set<int> resident = ResidentYears();
  // Lets go of the years below `bound` not resident, once their results are written.
  auto let_go = [&](int bound) {
    for (auto it = models_.begin(); it != models_.end() && it->first < bound;) {
      const bool keep = resident.contains(it->first) || pending_.contains(it->first);
      it = keep ? std::next(it) : models_.erase(it);
    }
  };
  std::set<int> years = years_with_reports_;
  for (const auto& [year, model] : models_) years.insert(year);
  int refreshed = 0;
  for (int year : years) {
    if (Stopped()) return absl::CancelledError("stopping");
    if (ModelOf(year) != nullptr) {
      Drift drift;
      GONGKAI_RETURN_IF_ERROR(FullRecompute(year, "", &drift));
    } else {
      GONGKAI_RETURN_IF_ERROR(CatchUp(nullptr));
      GONGKAI_RETURN_IF_ERROR(EnsureLoaded(year));
      // (Writing loads the year before, to compare with.)
      absl::Status written = WriteAll(year, std::nullopt);
      if (!written.ok()) {
        pending_[year].whole_year = true;
        return written;
      }
      ++refreshed;
    }
    let_go(year);  // The years before this one are not compared with any more.
  }
  let_go(std::numeric_limits<int>::max());
  {
    absl::MutexLock lock(&mu_);
    stats_.years_loaded = static_cast<int>(models_.size());
  }
  if (refreshed > 0) {
    Log(absl::StrCat("refreshed ", refreshed, " year(s) not in memory; ", models_.size(),
                     " year(s) stay in memory"));
  }
  return absl::OkStatus();
}

absl::Status Runner::RunJob() {
  v1::RollupJob job;
  absl::Status claimed;
  if (options_.claim_job) {
    claimed = options_.claim_job(&job);
  } else {
    grpc::Status status = results_->ClaimRollupJob(Context().get(), {}, &job);
    claimed = status.error_code() == grpc::StatusCode::NOT_FOUND
                  ? absl::NotFoundError("no job")
                  : FromGrpc(status, "claim a rollup job");
  }
  if (absl::IsNotFound(claimed)) return absl::OkStatus();
  GONGKAI_RETURN_IF_ERROR(claimed);
  Log(absl::StrCat("job ", job.id(), ": full recompute of ", job.year()));
  Drift drift;
  absl::Status result = FullRecompute(job.year(), job.region_code(), &drift);
  const absl::Time end = options_.clock();
  job.set_state(result.ok() ? v1::JOB_STATE_SUCCEEDED : v1::JOB_STATE_FAILED);
  *job.mutable_end_time() = ToProtoTime(end);
  job.set_drifted_regions(static_cast<int>(drift.regions.size()));
  for (const std::string& code : drift.regions) job.add_drift(code);
  job.set_reports(drift.reports);
  if (!result.ok()) job.set_error(std::string(result.message()));
  if (options_.finish_job) return options_.finish_job(job);
  v1::RollupJob finished;
  return FromGrpc(results_->FinishRollupJob(Context().get(), job, &finished), "finish a job");
}

absl::Status Runner::RecomputeOnce(int year) {
  const int current_year =
      static_cast<int>(absl::ToCivilYear(options_.clock(), options_.settings.zone).year());
  if (year < kFirstReportingYear || year > current_year) {
    return absl::InvalidArgumentError(
        absl::StrCat("year must be between ", kFirstReportingYear, " and ", current_year));
  }
  trees_.clear();
  // The rollups say which change log position they reflect (at least this one).
  GONGKAI_ASSIGN_OR_RETURN(int64_t head, Head());
  next_sequence_ = head + 1;
  for (int y : {year - 1, year}) {
    if (y < kFirstReportingYear) continue;
    GONGKAI_ASSIGN_OR_RETURN(auto model, LoadYear(y, ModelOf(y)));
    models_[y] = std::move(model);
  }
  Log(absl::StrCat("recomputed ", year, ": ", ModelOf(year)->report_count(), " report(s)"));
  return WriteAll(year, std::nullopt);
}

}  // namespace gongkai::worker

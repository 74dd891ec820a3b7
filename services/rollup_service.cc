#include "services/rollup_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "registry/registry.h"
#include "services/errors.h"
#include "services/flags.h"
#include "services/restate.h"
#include "services/status.h"

namespace gongkai {
namespace {

absl::Status CheckRegionYear(const Env& env, const std::string& region_code, int year) {
  if (region_code.empty()) return error::MissingField("region_code");
  return CheckReportingYear(env, year, "year");
}

// The worker writes results for the whole tree: it needs the role and the nation in scope.
absl::Status RequireWorker(const Env& env, const RequestContext& context) {
  return context.caller.RequireSubtree({v1::ROLE_WORKER}, "write rollups", *NewestTree(env),
                                       kNationCode);
}

// Whether the caller may see the reports a flag about `key` compares it with: the
// governments beside it (under its parent), or, for a body's report, the region's other bodies.
bool SeesPeers(const Caller& caller, const registry::YearTree& tree, const v1::ReportKey& key) {
  const v1::Region* region = tree.Find(key.region_code());
  if (!key.body().empty() || region == nullptr || region->parent_code().empty()) {
    return caller.CoversSubtree(tree, key.region_code());
  }
  return caller.Covers(tree, region->parent_code(), "");
}

// A flag as a reader who cannot see the peers reads it: nothing that names or counts them.
void WithoutPeers(v1::Anomaly* anomaly) {
  if (!anomaly->explanation_without_peers().empty()) {
    anomaly->set_explanation(anomaly->explanation_without_peers());
  }
  auto* evidence = anomaly->mutable_evidence();
  evidence->erase(std::remove_if(evidence->begin(), evidence->end(),
                                 [](const v1::Evidence& e) { return e.about_peers(); }),
                  evidence->end());
}

}  // namespace

void RedactForCaller(const Caller& caller, const registry::YearTree& tree, v1::Anomaly* anomaly) {
  if (!SeesPeers(caller, tree, anomaly->key())) WithoutPeers(anomaly);
  anomaly->clear_explanation_without_peers();
}

namespace {

absl::Status CheckTreeYear(const Env& env, int year) {
  if (year < kFirstReportingYear || year > CurrentYear(env)) {
    return error::InvalidField("on_tree", absl::StrCat("must be between ", kFirstReportingYear,
                                                       " and ", CurrentYear(env)));
  }
  return absl::OkStatus();
}

absl::Status CheckPageSize(int page_size) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    return error::InvalidField("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status GetRollup(const Env& env, const RequestContext& context,
                       const v1::GetRollupRequest& request, v1::Rollup* response) {
  if (request.on_tree() != 0 && request.on_tree() != request.year()) {
    GONGKAI_RETURN_IF_ERROR(CheckRegionYear(env, request.region_code(), request.year()));
    GONGKAI_RETURN_IF_ERROR(CheckTreeYear(env, request.on_tree()));
    GONGKAI_ASSIGN_OR_RETURN(std::unique_ptr<Restatement> restated,
                             Restatement::Compute(env, context, request.region_code(),
                                                  request.year(), request.on_tree()));
    *response = restated->RollupOf(request.region_code());
    return absl::OkStatus();
  }
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireSubtree(
      kReadRoles, "read rollups", *env.store->Tree(request.year()), request.region_code()));
  GONGKAI_RETURN_IF_ERROR(CheckRegionYear(env, request.region_code(), request.year()));
  GONGKAI_ASSIGN_OR_RETURN(auto rollup,
                           env.store->GetRollup(request.region_code(), request.year()));
  *response = std::move(rollup);
  return absl::OkStatus();
}

absl::Status ListChildRollups(const Env& env, const RequestContext& context,
                              const v1::ListChildRollupsRequest& request,
                              v1::ListChildRollupsResponse* response) {
  const bool restated = request.on_tree() != 0 && request.on_tree() != request.year();
  std::shared_ptr<const registry::YearTree> registry =
      env.store->Tree(restated ? request.on_tree() : request.year());
  GONGKAI_RETURN_IF_ERROR(
      context.caller.RequireSubtree(kReadRoles, "read rollups", *registry, request.region_code()));
  GONGKAI_RETURN_IF_ERROR(CheckRegionYear(env, request.region_code(), request.year()));
  if (restated) GONGKAI_RETURN_IF_ERROR(CheckTreeYear(env, request.on_tree()));
  GONGKAI_RETURN_IF_ERROR(CheckPageSize(request.page_size()));
  const int page_size = request.page_size() == 0 ? 100 : request.page_size();
  if (registry->Find(request.region_code()) == nullptr) {
    return error::RegionNotFound(request.region_code(), registry->year(), "");
  }
  // A restated listing computes the region's subtree once, then each child's rollup.
  std::unique_ptr<Restatement> restatement;
  if (restated) {
    GONGKAI_ASSIGN_OR_RETURN(restatement, Restatement::Compute(env, context, request.region_code(),
                                                               request.year(), request.on_tree()));
  }
  // The page token is the code of the last child looked at.
  const std::vector<const v1::Region*>& children = registry->ChildrenOf(request.region_code());
  auto it = request.page_token().empty()
                ? children.begin()
                : std::upper_bound(children.begin(), children.end(), request.page_token(),
                                   [](const std::string& token, const v1::Region* child) {
                                     return token < child->code();
                                   });
  int looked_at = 0;
  for (; it != children.end() && looked_at < page_size; ++it, ++looked_at) {
    if (restatement != nullptr) {
      *response->add_rollups() = restatement->RollupOf((*it)->code());
      continue;
    }
    auto rollup = env.store->GetRollup((*it)->code(), request.year());
    if (rollup.ok()) {
      *response->add_rollups() = *std::move(rollup);
    } else if (rollup.status().code() != absl::StatusCode::kNotFound) {
      return rollup.status();
    }
  }
  if (it != children.end()) response->set_next_page_token((*(it - 1))->code());
  return absl::OkStatus();
}

absl::Status ListAnomalies(const Env& env, const RequestContext& context,
                           const v1::ListAnomaliesRequest& request,
                           v1::ListAnomaliesResponse* response) {
  std::shared_ptr<const registry::YearTree> registry = env.store->Tree(request.year());
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireOverlap(kReadRoles, "read anomalies", *registry,
                                                        request.region_code()));
  const bool filter = !context.caller.CoversSubtree(*registry, request.region_code());
  GONGKAI_RETURN_IF_ERROR(CheckRegionYear(env, request.region_code(), request.year()));
  GONGKAI_RETURN_IF_ERROR(CheckPageSize(request.page_size()));
  if (!v1::FlagState_IsValid(request.state())) {
    return error::InvalidField("state", "is not a known flag state");
  }
  const v1::AnomalyKind kind = request.kind();
  const v1::AnomalySeverity minimum = request.minimum_severity();
  DispositionCache dispositions(env.store);
  absl::Status failed;
  auto page = env.store->ListAnomalies(
      request.region_code(), request.year(), request.page_size(), request.page_token(),
      [&](const v1::Anomaly& a) {
        if ((kind != v1::ANOMALY_KIND_UNSPECIFIED && a.kind() != kind) || a.severity() < minimum ||
            (filter && !context.caller.Covers(*registry, a.key().region_code(), a.key().body()))) {
          return false;
        }
        if (request.state() == v1::FLAG_STATE_UNSPECIFIED) return true;
        absl::StatusOr<v1::FlagState> state = dispositions.StateOf(request.year(), a);
        if (!state.ok()) failed.Update(state.status());
        return state.ok() && *state == request.state();
      });
  if (!page.ok()) return page.status();
  GONGKAI_RETURN_IF_ERROR(failed);
  for (v1::Anomaly& anomaly : page->items) {
    GONGKAI_RETURN_IF_ERROR(dispositions.Join(request.year(), &anomaly));
    RedactForCaller(context.caller, *registry, &anomaly);
    *response->add_anomalies() = std::move(anomaly);
  }
  response->set_next_page_token(page->next_page_token);
  return absl::OkStatus();
}

absl::Status StartRollupJob(const Env& env, const RequestContext& context,
                            const v1::StartRollupJobRequest& request, v1::RollupJob* response) {
  const std::string region =
      request.region_code().empty() ? std::string(kNationCode) : request.region_code();
  std::shared_ptr<const registry::YearTree> registry = env.store->Tree(request.year());
  GONGKAI_RETURN_IF_ERROR(
      context.caller.RequireSubtree({v1::ROLE_ADMIN}, "start rollup jobs", *registry, region));
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, request.year(), "year"));
  if (registry->Find(region) == nullptr) {
    return error::InvalidField("region_code",
                               absl::StrCat(region, " is not in the registry of ", request.year()));
  }
  GONGKAI_ASSIGN_OR_RETURN(auto job, env.store->CreateJob(request.year(), region, env.clock()));
  *response = std::move(job);
  return absl::OkStatus();
}

absl::Status GetRollupJob(const Env& env, const RequestContext& context,
                          const v1::GetRollupJobRequest& request, v1::RollupJob* response) {
  static constexpr std::initializer_list<v1::Role> kRoles = {v1::ROLE_ADMIN, v1::ROLE_WORKER};
  GONGKAI_RETURN_IF_ERROR(context.caller.Require(kRoles, "read rollup jobs"));
  if (request.id().empty()) return error::MissingField("id");
  auto job = env.store->GetJob(request.id());
  std::shared_ptr<const registry::YearTree> registry =
      job.ok() ? env.store->Tree(job->year()) : NewestTree(env);
  // Only a nation-wide caller learns that a job does not exist; others are refused alike for
  // a missing job and for another region's.
  if (!context.caller.CoversSubtree(*registry, kNationCode)) {
    const std::string region =
        !job.ok() || job->region_code().empty() ? std::string(kNationCode) : job->region_code();
    GONGKAI_RETURN_IF_ERROR(
        context.caller.RequireSubtree(kRoles, "read rollup jobs", *registry, region));
  }
  if (!job.ok()) return job.status();
  *response = *std::move(job);
  return absl::OkStatus();
}

absl::Status GetCheckpoint(const Env& env, const RequestContext& context,
                           v1::Checkpoint* response) {
  GONGKAI_RETURN_IF_ERROR(RequireWorker(env, context));
  GONGKAI_ASSIGN_OR_RETURN(auto sequence, env.store->WorkerCheckpoint());
  response->set_sequence(sequence);
  return absl::OkStatus();
}

absl::Status WriteResults(const Env& env, const RequestContext& context,
                          const v1::WriteResultsRequest& request, v1::Checkpoint* response,
                          storage::WriteSync sync) {
  GONGKAI_RETURN_IF_ERROR(RequireWorker(env, context));
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, request.year(), "year"));
  std::optional<int64_t> checkpoint, base_checkpoint;
  if (request.has_checkpoint()) checkpoint = request.checkpoint();
  if (request.has_base_checkpoint()) base_checkpoint = request.base_checkpoint();
  GONGKAI_RETURN_IF_ERROR(env.store->WriteResults(request.year(), request.rollups(),
                                                  request.anomaly_sets(), checkpoint,
                                                  request.replace_year(), sync, base_checkpoint));
  return GetCheckpoint(env, context, response);
}

absl::Status WriteResults(const Env& env, const RequestContext& context,
                          const SerializedResults& results, storage::WriteSync sync) {
  GONGKAI_RETURN_IF_ERROR(RequireWorker(env, context));
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, results.year, "year"));
  return env.store->WriteResults(results, sync);
}

absl::Status ListReportDigests(const Env& env, const RequestContext& context,
                               const v1::ListReportDigestsRequest& request,
                               v1::ListReportDigestsResponse* response) {
  GONGKAI_RETURN_IF_ERROR(RequireWorker(env, context));
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, request.year(), "year"));
  // Parsed straight into the response (on the in-process worker's arena, there).
  GONGKAI_ASSIGN_OR_RETURN(
      std::string next_page_token,
      env.store->ListDigests(request.year(), request.page_size(), request.page_token(),
                             response->mutable_digests()));
  response->set_next_page_token(std::move(next_page_token));
  return absl::OkStatus();
}

absl::Status ClaimRollupJob(const Env& env, const RequestContext& context,
                            v1::RollupJob* response) {
  GONGKAI_RETURN_IF_ERROR(RequireWorker(env, context));
  GONGKAI_ASSIGN_OR_RETURN(auto job, env.store->ClaimJob(env.clock()));
  *response = std::move(job);
  return absl::OkStatus();
}

absl::Status FinishRollupJob(const Env& env, const RequestContext& context,
                             const v1::RollupJob& request, v1::RollupJob* response) {
  GONGKAI_RETURN_IF_ERROR(RequireWorker(env, context));
  if (request.id().empty()) return error::MissingField("id");
  GONGKAI_RETURN_IF_ERROR(env.store->FinishJob(request));
  if (env.metrics != nullptr) {
    const absl::Duration duration = std::max(
        absl::ZeroDuration(),
        request.has_start_time() && request.has_end_time()
            ? absl::Seconds(request.end_time().seconds() - request.start_time().seconds()) +
                  absl::Nanoseconds(request.end_time().nanos() - request.start_time().nanos())
            : absl::ZeroDuration());
    env.metrics->RecordJob(request.state() == v1::JOB_STATE_SUCCEEDED ? "succeeded" : "failed",
                           duration);
  }
  *response = request;
  return absl::OkStatus();
}

}  // namespace gongkai

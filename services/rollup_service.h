// RollupService (what supervisors read) and WorkerService (what the aggregation worker writes
// through) as plain functions over the store. Reads need a read role and the region in scope;
// jobs the admin role; WorkerService the worker role over the whole nation.
#ifndef GONGKAI_SERVICES_ROLLUP_SERVICE_H_
#define GONGKAI_SERVICES_ROLLUP_SERVICE_H_

#include "absl/status/status.h"
#include "common/serialize.h"
#include "gongkai/v1/rollup_service.pb.h"
#include "services/env.h"

namespace gongkai {

// A flag as `caller` may read it: when the caller cannot see the reports it compares the
// flagged one with (the governments beside it, or the region's other bodies), without what it
// says of them; never with explanation_without_peers.
void RedactForCaller(const Caller& caller, const registry::YearTree& tree, v1::Anomaly* anomaly);

// NOT_FOUND when the region is unknown or not rolled up for the year yet.
absl::Status GetRollup(const Env& env, const RequestContext& context,
                       const v1::GetRollupRequest& request, v1::Rollup* response);
absl::Status ListChildRollups(const Env& env, const RequestContext& context,
                              const v1::ListChildRollupsRequest& request,
                              v1::ListChildRollupsResponse* response);
absl::Status ListAnomalies(const Env& env, const RequestContext& context,
                           const v1::ListAnomaliesRequest& request,
                           v1::ListAnomaliesResponse* response);
// INVALID_ARGUMENT for a year outside 2019–now or an unknown region.
absl::Status StartRollupJob(const Env& env, const RequestContext& context,
                            const v1::StartRollupJobRequest& request, v1::RollupJob* response);
absl::Status GetRollupJob(const Env& env, const RequestContext& context,
                          const v1::GetRollupJobRequest& request, v1::RollupJob* response);

absl::Status GetCheckpoint(const Env& env, const RequestContext& context, v1::Checkpoint* response);
// FAILED_PRECONDITION when the checkpoint would move backwards, NOT_FOUND for a region not in
// the year's registry, INVALID_ARGUMENT for a year outside 2019–now.
absl::Status WriteResults(const Env& env, const RequestContext& context,
                          const v1::WriteResultsRequest& request, v1::Checkpoint* response,
                          storage::WriteSync sync = storage::WriteSync::kSynced);
// The same for gongkaid's own worker, from its results serialized once (stored as they are),
// with storage::WriteSync::kBuffered (Store::WriteResults says why that is safe).
absl::Status WriteResults(const Env& env, const RequestContext& context,
                          const SerializedResults& results, storage::WriteSync sync);
// INVALID_ARGUMENT for a year outside 2019–now or a page token of another listing.
absl::Status ListReportDigests(const Env& env, const RequestContext& context,
                               const v1::ListReportDigestsRequest& request,
                               v1::ListReportDigestsResponse* response);
// NOT_FOUND when no job is pending.
absl::Status ClaimRollupJob(const Env& env, const RequestContext& context, v1::RollupJob* response);
absl::Status FinishRollupJob(const Env& env, const RequestContext& context,
                             const v1::RollupJob& request, v1::RollupJob* response);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_ROLLUP_SERVICE_H_

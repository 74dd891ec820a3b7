// ReviewService as plain functions: the reports a reviewer decides on, approval, return with
// reasons, and withdrawal. Reviewers are scoped by Caller::Reviews (docs/SECURITY.md).
#ifndef GONGKAI_SERVICES_REVIEW_SERVICE_H_
#define GONGKAI_SERVICES_REVIEW_SERVICE_H_

#include "absl/status/status.h"
#include "gongkai/v1/review_service.pb.h"
#include "services/env.h"

namespace gongkai {

// Only the reports the caller reviews; pages may hold fewer than page_size.
absl::Status ListReviews(const Env& env, const RequestContext& context,
                         const v1::ListReviewsRequest& request, v1::ListReviewsResponse* response);
// Readers of the key and its reviewers. NOT_FOUND when there is no report.
absl::Status GetReview(const Env& env, const RequestContext& context,
                       const v1::GetReviewRequest& request, v1::GetReviewResponse* response);
// FAILED_PRECONDITION when `revision` is not current or the report is withdrawn.
absl::Status ApproveReport(const Env& env, const RequestContext& context,
                           const v1::ReviewDecisionRequest& request, v1::Revision* response);
// As ApproveReport; INVALID_ARGUMENT without a reason.
absl::Status ReturnReport(const Env& env, const RequestContext& context,
                          const v1::ReviewDecisionRequest& request, v1::Revision* response);
// The key's submitter or reviewer; INVALID_ARGUMENT without a reason.
absl::Status WithdrawReport(const Env& env, const RequestContext& context,
                            const v1::ReviewDecisionRequest& request, v1::Revision* response);

// The submitter of the flagged report. NOT_FOUND when the flag is not among the current flags;
// FAILED_PRECONDITION when the reviewer has decided on it (and its numbers did not change).
absl::Status ExplainFlag(const Env& env, const RequestContext& context,
                         const v1::ExplainFlagRequest& request, v1::FlagDisposition* response);
// The reviewer of the flagged report. FAILED_PRECONDITION to accept an unexplained flag, or to
// confirm one on a withdrawn report.
absl::Status DecideFlag(const Env& env, const RequestContext& context,
                        const v1::DecideFlagRequest& request, v1::FlagDisposition* response);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_REVIEW_SERVICE_H_

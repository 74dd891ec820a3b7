// ReportService, as plain functions shaped authorize → validate → look up → delegate → fill
// response. Every function first checks the caller's role and scope (PERMISSION_DENIED).
// Each returns the status the RPC returns; the gRPC class (grpc_services.h) only adapts.
#ifndef GONGKAI_SERVICES_REPORT_SERVICE_H_
#define GONGKAI_SERVICES_REPORT_SERVICE_H_

#include <functional>

#include "absl/status/status.h"
#include "gongkai/v1/report_service.pb.h"
#include "services/env.h"

namespace gongkai {

// INVALID_ARGUMENT (with the Verdict) when rejected, FAILED_PRECONDITION on a stale
// expected_revision, DEADLINE_EXCEEDED (nothing stored) when the caller's deadline passed
// before the write, UNAVAILABLE when the store cannot write.
absl::Status SubmitReport(const Env& env, const RequestContext& context,
                          const v1::SubmitReportRequest& request,
                          v1::SubmitReportResponse* response);
absl::Status ValidateReport(const Env& env, const RequestContext& context,
                            const v1::ValidateReportRequest& request, v1::Verdict* response);
// NOT_FOUND when the report or revision does not exist.
absl::Status GetReport(const Env& env, const RequestContext& context,
                       const v1::GetReportRequest& request, v1::Revision* response);
// Only the reports the caller may read; pages may hold fewer than page_size.
absl::Status ListReports(const Env& env, const RequestContext& context,
                         const v1::ListReportsRequest& request, v1::ListReportsResponse* response);
absl::Status ListRevisions(const Env& env, const RequestContext& context,
                           const v1::ListRevisionsRequest& request,
                           v1::ListRevisionsResponse* response);
// Only the entries of reports the caller may read.
absl::Status ListChanges(const Env& env, const RequestContext& context,
                         const v1::ListChangesRequest& request, v1::ListChangesResponse* response);

// Where WatchChanges sends its pages (the sink may take their contents); false when the
// client has gone.
using ChangeSink = std::function<bool(v1::WatchChangesResponse&)>;

// The change log as a stream (see the proto). Ends OK when the client has gone, when its
// deadline passes, or (without follow) at the head found when it started. At most
// env.watch_limiter's streams at once.
absl::Status WatchChanges(const Env& env, const RequestContext& context,
                          const v1::WatchChangesRequest& request, const ChangeSink& send,
                          const std::function<bool()>& cancelled);
// INVALID_ARGUMENT when the text is missing, or (with store) as SubmitReport.
absl::Status ParseReport(const Env& env, const RequestContext& context,
                         const v1::ParseReportRequest& request, v1::ParseReportResponse* response);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_REPORT_SERVICE_H_

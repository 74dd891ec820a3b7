#include "services/grpc_services.h"

#include "services/region_service.h"
#include "services/report_service.h"
#include "services/rollup_service.h"
#include "services/status.h"

namespace gongkai {
namespace {

RequestContext ContextOf(const grpc::ServerContext* context) {
  RequestContext out;
  out.peer = context->peer();
  // gRPC reports "no deadline" as the largest time point, which absl maps to the future.
  out.deadline = absl::FromChrono(context->deadline());
  return out;
}

}  // namespace

grpc::Status ReportServiceImpl::SubmitReport(grpc::ServerContext* context,
                                             const v1::SubmitReportRequest* request,
                                             v1::SubmitReportResponse* response) {
  return ToGrpcStatus(gongkai::SubmitReport(*env_, ContextOf(context), *request, response));
}

grpc::Status ReportServiceImpl::ValidateReport(grpc::ServerContext*,
                                               const v1::ValidateReportRequest* request,
                                               v1::Verdict* response) {
  return ToGrpcStatus(gongkai::ValidateReport(*env_, *request, response));
}

grpc::Status ReportServiceImpl::GetReport(grpc::ServerContext*,
                                          const v1::GetReportRequest* request,
                                          v1::Revision* response) {
  return ToGrpcStatus(gongkai::GetReport(*env_, *request, response));
}

grpc::Status ReportServiceImpl::ListReports(grpc::ServerContext*,
                                            const v1::ListReportsRequest* request,
                                            v1::ListReportsResponse* response) {
  return ToGrpcStatus(gongkai::ListReports(*env_, *request, response));
}

grpc::Status ReportServiceImpl::ListRevisions(grpc::ServerContext*,
                                              const v1::ListRevisionsRequest* request,
                                              v1::ListRevisionsResponse* response) {
  return ToGrpcStatus(gongkai::ListRevisions(*env_, *request, response));
}

grpc::Status ReportServiceImpl::ListChanges(grpc::ServerContext*,
                                            const v1::ListChangesRequest* request,
                                            v1::ListChangesResponse* response) {
  return ToGrpcStatus(gongkai::ListChanges(*env_, *request, response));
}

grpc::Status ReportServiceImpl::ParseReport(grpc::ServerContext* context,
                                            const v1::ParseReportRequest* request,
                                            v1::ParseReportResponse* response) {
  return ToGrpcStatus(gongkai::ParseReport(*env_, ContextOf(context), *request, response));
}

grpc::Status RegionServiceImpl::GetRegion(grpc::ServerContext*,
                                          const v1::GetRegionRequest* request,
                                          v1::Region* response) {
  return ToGrpcStatus(gongkai::GetRegion(*env_, *request, response));
}

grpc::Status RegionServiceImpl::ListChildRegions(grpc::ServerContext*,
                                                 const v1::ListChildRegionsRequest* request,
                                                 v1::ListChildRegionsResponse* response) {
  return ToGrpcStatus(gongkai::ListChildRegions(*env_, *request, response));
}

grpc::Status RegionServiceImpl::SearchRegions(grpc::ServerContext*,
                                              const v1::SearchRegionsRequest* request,
                                              v1::SearchRegionsResponse* response) {
  return ToGrpcStatus(gongkai::SearchRegions(*env_, *request, response));
}

grpc::Status RegionServiceImpl::ListRegions(grpc::ServerContext*,
                                            const v1::ListRegionsRequest* request,
                                            v1::ListRegionsResponse* response) {
  return ToGrpcStatus(gongkai::ListRegions(*env_, *request, response));
}

grpc::Status RollupServiceImpl::GetRollup(grpc::ServerContext*,
                                          const v1::GetRollupRequest* request,
                                          v1::Rollup* response) {
  return ToGrpcStatus(gongkai::GetRollup(*env_, *request, response));
}

grpc::Status RollupServiceImpl::ListChildRollups(grpc::ServerContext*,
                                                 const v1::ListChildRollupsRequest* request,
                                                 v1::ListChildRollupsResponse* response) {
  return ToGrpcStatus(gongkai::ListChildRollups(*env_, *request, response));
}

grpc::Status RollupServiceImpl::ListAnomalies(grpc::ServerContext*,
                                              const v1::ListAnomaliesRequest* request,
                                              v1::ListAnomaliesResponse* response) {
  return ToGrpcStatus(gongkai::ListAnomalies(*env_, *request, response));
}

grpc::Status RollupServiceImpl::StartRollupJob(grpc::ServerContext*,
                                               const v1::StartRollupJobRequest* request,
                                               v1::RollupJob* response) {
  return ToGrpcStatus(gongkai::StartRollupJob(*env_, *request, response));
}

grpc::Status RollupServiceImpl::GetRollupJob(grpc::ServerContext*,
                                             const v1::GetRollupJobRequest* request,
                                             v1::RollupJob* response) {
  return ToGrpcStatus(gongkai::GetRollupJob(*env_, *request, response));
}

grpc::Status WorkerServiceImpl::GetCheckpoint(grpc::ServerContext*,
                                              const v1::GetCheckpointRequest*,
                                              v1::Checkpoint* response) {
  return ToGrpcStatus(gongkai::GetCheckpoint(*env_, response));
}

grpc::Status WorkerServiceImpl::WriteResults(grpc::ServerContext*,
                                             const v1::WriteResultsRequest* request,
                                             v1::Checkpoint* response) {
  return ToGrpcStatus(gongkai::WriteResults(*env_, *request, response));
}

grpc::Status WorkerServiceImpl::ClaimRollupJob(grpc::ServerContext*,
                                               const v1::ClaimRollupJobRequest*,
                                               v1::RollupJob* response) {
  return ToGrpcStatus(gongkai::ClaimRollupJob(*env_, response));
}

grpc::Status WorkerServiceImpl::FinishRollupJob(grpc::ServerContext*,
                                                const v1::RollupJob* request,
                                                v1::RollupJob* response) {
  return ToGrpcStatus(gongkai::FinishRollupJob(*env_, *request, response));
}

grpc::Status AdminServiceImpl::CreateBackup(grpc::ServerContext*,
                                            const v1::CreateBackupRequest* request,
                                            v1::Backup* response) {
  return ToGrpcStatus(gongkai::CreateBackup(*env_, *request, response));
}

}  // namespace gongkai

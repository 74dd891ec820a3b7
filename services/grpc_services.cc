#include "services/grpc_services.h"

#include "services/region_service.h"
#include "services/report_service.h"
#include "services/status.h"

namespace gongkai {
namespace {

RequestContext ContextOf(const grpc::ServerContext* context) {
  RequestContext out;
  out.peer = context->peer();
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

}  // namespace gongkai

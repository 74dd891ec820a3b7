#include "services/grpc_services.h"

#include <utility>

#include "common/status_macros.h"
#include "grpc/grpc_security_constants.h"
#include "services/admin_service.h"
#include "services/region_service.h"
#include "services/report_service.h"
#include "services/review_service.h"
#include "services/rollup_service.h"
#include "services/status.h"

namespace gongkai {
namespace {

// Who is calling: the credentials in the metadata or the verified client certificate, then
// the caller's rate limit. Without an authenticator every call is Caller::Open().
absl::StatusOr<RequestContext> Authenticate(const Env& env, const grpc::ServerContext* context) {
  RequestContext out;
  out.peer = context->peer();
  // gRPC reports "no deadline" as the largest time point, which absl maps to the future.
  out.deadline = absl::FromChrono(context->deadline());
  if (env.auth == nullptr) return out;
  absl::string_view authorization;
  const auto& metadata = context->client_metadata();
  if (auto found = metadata.find("authorization"); found != metadata.end()) {
    authorization = absl::string_view(found->second.data(), found->second.size());
  }
  std::string subject;
  if (std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
      auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const grpc::string_ref& value :
         auth->FindPropertyValues(GRPC_X509_SUBJECT_PROPERTY_NAME)) {
      subject.assign(value.data(), value.size());
    }
  }
  GONGKAI_ASSIGN_OR_RETURN(Caller caller,
                           env.auth->Authenticate(authorization, subject, env.clock()));
  GONGKAI_RETURN_IF_ERROR(env.auth->Admit(caller, env.clock()));
  out.caller = std::move(caller);
  return out;
}

template <typename Serve>
grpc::Status Call(const Env& env, const grpc::ServerContext* context, Serve&& serve) {
  absl::StatusOr<RequestContext> request_context = Authenticate(env, context);
  if (!request_context.ok()) return ToGrpcStatus(request_context.status());
  return ToGrpcStatus(std::forward<Serve>(serve)(*request_context));
}

}  // namespace

grpc::Status ReportServiceImpl::SubmitReport(grpc::ServerContext* context,
                                             const v1::SubmitReportRequest* request,
                                             v1::SubmitReportResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::SubmitReport(*env_, c, *request, response);
  });
}

grpc::Status ReportServiceImpl::ValidateReport(grpc::ServerContext* context,
                                               const v1::ValidateReportRequest* request,
                                               v1::Verdict* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ValidateReport(*env_, c, *request, response);
  });
}

grpc::Status ReportServiceImpl::GetReport(grpc::ServerContext* context,
                                          const v1::GetReportRequest* request,
                                          v1::Revision* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::GetReport(*env_, c, *request, response);
  });
}

grpc::Status ReportServiceImpl::ListReports(grpc::ServerContext* context,
                                            const v1::ListReportsRequest* request,
                                            v1::ListReportsResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListReports(*env_, c, *request, response);
  });
}

grpc::Status ReportServiceImpl::ListRevisions(grpc::ServerContext* context,
                                              const v1::ListRevisionsRequest* request,
                                              v1::ListRevisionsResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListRevisions(*env_, c, *request, response);
  });
}

grpc::Status ReportServiceImpl::ListChanges(grpc::ServerContext* context,
                                            const v1::ListChangesRequest* request,
                                            v1::ListChangesResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListChanges(*env_, c, *request, response);
  });
}

grpc::Status ReportServiceImpl::WatchChanges(grpc::ServerContext* context,
                                             const v1::WatchChangesRequest* request,
                                             grpc::ServerWriter<v1::WatchChangesResponse>* writer) {
  return Call(*env_, context, [&](const RequestContext& c) {
    GONGKAI_RETURN_IF_ERROR(gongkai::WatchChanges(
        *env_, c, *request,
        [writer](v1::WatchChangesResponse& page) { return writer->Write(page); },
        [this, context, request] {
          return (request->follow() && ending_) || context->IsCancelled();
        }));
    // (A stream without follow ends at the head it found: the shutdown's grace lets it finish.)
    if (request->follow() && ending_) {
      return absl::UnavailableError(
          "the server is shutting down: follow the change log again from the last page's "
          "next_sequence");
    }
    return absl::OkStatus();
  });
}

grpc::Status ReportServiceImpl::ParseReport(grpc::ServerContext* context,
                                            const v1::ParseReportRequest* request,
                                            v1::ParseReportResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ParseReport(*env_, c, *request, response);
  });
}

grpc::Status RegionServiceImpl::GetRegion(grpc::ServerContext* context,
                                          const v1::GetRegionRequest* request,
                                          v1::Region* response) {
  return Call(*env_, context,
              [&](const RequestContext&) { return gongkai::GetRegion(*env_, *request, response); });
}

grpc::Status RegionServiceImpl::ListChildRegions(grpc::ServerContext* context,
                                                 const v1::ListChildRegionsRequest* request,
                                                 v1::ListChildRegionsResponse* response) {
  return Call(*env_, context, [&](const RequestContext&) {
    return gongkai::ListChildRegions(*env_, *request, response);
  });
}

grpc::Status RegionServiceImpl::SearchRegions(grpc::ServerContext* context,
                                              const v1::SearchRegionsRequest* request,
                                              v1::SearchRegionsResponse* response) {
  return Call(*env_, context, [&](const RequestContext&) {
    return gongkai::SearchRegions(*env_, *request, response);
  });
}

grpc::Status RegionServiceImpl::ListRegions(grpc::ServerContext* context,
                                            const v1::ListRegionsRequest* request,
                                            v1::ListRegionsResponse* response) {
  return Call(*env_, context, [&](const RequestContext&) {
    return gongkai::ListRegions(*env_, *request, response);
  });
}

grpc::Status RegionServiceImpl::GetRegionHistory(grpc::ServerContext* context,
                                                 const v1::GetRegionHistoryRequest* request,
                                                 v1::RegionHistory* response) {
  return Call(*env_, context, [&](const RequestContext&) {
    return gongkai::GetRegionHistory(*env_, *request, response);
  });
}

grpc::Status RollupServiceImpl::GetRollup(grpc::ServerContext* context,
                                          const v1::GetRollupRequest* request,
                                          v1::Rollup* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::GetRollup(*env_, c, *request, response);
  });
}

grpc::Status RollupServiceImpl::ListChildRollups(grpc::ServerContext* context,
                                                 const v1::ListChildRollupsRequest* request,
                                                 v1::ListChildRollupsResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListChildRollups(*env_, c, *request, response);
  });
}

grpc::Status RollupServiceImpl::ListAnomalies(grpc::ServerContext* context,
                                              const v1::ListAnomaliesRequest* request,
                                              v1::ListAnomaliesResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListAnomalies(*env_, c, *request, response);
  });
}

grpc::Status RollupServiceImpl::StartRollupJob(grpc::ServerContext* context,
                                               const v1::StartRollupJobRequest* request,
                                               v1::RollupJob* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::StartRollupJob(*env_, c, *request, response);
  });
}

grpc::Status RollupServiceImpl::GetRollupJob(grpc::ServerContext* context,
                                             const v1::GetRollupJobRequest* request,
                                             v1::RollupJob* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::GetRollupJob(*env_, c, *request, response);
  });
}

grpc::Status WorkerServiceImpl::GetCheckpoint(grpc::ServerContext* context,
                                              const v1::GetCheckpointRequest* /*request*/,
                                              v1::Checkpoint* response) {
  return Call(*env_, context,
              [&](const RequestContext& c) { return gongkai::GetCheckpoint(*env_, c, response); });
}

grpc::Status WorkerServiceImpl::WriteResults(grpc::ServerContext* context,
                                             const v1::WriteResultsRequest* request,
                                             v1::Checkpoint* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::WriteResults(*env_, c, *request, response);
  });
}

grpc::Status WorkerServiceImpl::ListReportDigests(grpc::ServerContext* context,
                                                  const v1::ListReportDigestsRequest* request,
                                                  v1::ListReportDigestsResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListReportDigests(*env_, c, *request, response);
  });
}

grpc::Status WorkerServiceImpl::ClaimRollupJob(grpc::ServerContext* context,
                                               const v1::ClaimRollupJobRequest* /*request*/,
                                               v1::RollupJob* response) {
  return Call(*env_, context,
              [&](const RequestContext& c) { return gongkai::ClaimRollupJob(*env_, c, response); });
}

grpc::Status WorkerServiceImpl::FinishRollupJob(grpc::ServerContext* context,
                                                const v1::RollupJob* request,
                                                v1::RollupJob* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::FinishRollupJob(*env_, c, *request, response);
  });
}

grpc::Status AdminServiceImpl::CreateBackup(grpc::ServerContext* context,
                                            const v1::CreateBackupRequest* request,
                                            v1::Backup* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::CreateBackup(*env_, c, *request, response);
  });
}

grpc::Status AdminServiceImpl::CreatePrincipal(grpc::ServerContext* context,
                                               const v1::CreatePrincipalRequest* request,
                                               v1::CreatePrincipalResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::CreatePrincipal(*env_, c, *request, response);
  });
}

grpc::Status AdminServiceImpl::ListPrincipals(grpc::ServerContext* context,
                                              const v1::ListPrincipalsRequest* request,
                                              v1::ListPrincipalsResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListPrincipals(*env_, c, *request, response);
  });
}

grpc::Status AdminServiceImpl::RevokePrincipal(grpc::ServerContext* context,
                                               const v1::RevokePrincipalRequest* request,
                                               v1::Principal* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::RevokePrincipal(*env_, c, *request, response);
  });
}

grpc::Status AdminServiceImpl::ChangeRegion(grpc::ServerContext* context,
                                            const v1::ChangeRegionRequest* request,
                                            v1::RegistryChangeResult* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ChangeRegion(*env_, c, *request, response);
  });
}

grpc::Status AdminServiceImpl::LoadRegistryEdition(grpc::ServerContext* context,
                                                   const v1::LoadRegistryEditionRequest* request,
                                                   v1::RegistryChangeResult* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::LoadRegistryEdition(*env_, c, *request, response);
  });
}

grpc::Status ReviewServiceImpl::ListReviews(grpc::ServerContext* context,
                                            const v1::ListReviewsRequest* request,
                                            v1::ListReviewsResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ListReviews(*env_, c, *request, response);
  });
}

grpc::Status ReviewServiceImpl::GetReview(grpc::ServerContext* context,
                                          const v1::GetReviewRequest* request,
                                          v1::GetReviewResponse* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::GetReview(*env_, c, *request, response);
  });
}

grpc::Status ReviewServiceImpl::ApproveReport(grpc::ServerContext* context,
                                              const v1::ReviewDecisionRequest* request,
                                              v1::Revision* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ApproveReport(*env_, c, *request, response);
  });
}

grpc::Status ReviewServiceImpl::ReturnReport(grpc::ServerContext* context,
                                             const v1::ReviewDecisionRequest* request,
                                             v1::Revision* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ReturnReport(*env_, c, *request, response);
  });
}

grpc::Status ReviewServiceImpl::WithdrawReport(grpc::ServerContext* context,
                                               const v1::ReviewDecisionRequest* request,
                                               v1::Revision* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::WithdrawReport(*env_, c, *request, response);
  });
}

grpc::Status ReviewServiceImpl::ExplainFlag(grpc::ServerContext* context,
                                            const v1::ExplainFlagRequest* request,
                                            v1::FlagDisposition* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::ExplainFlag(*env_, c, *request, response);
  });
}

grpc::Status ReviewServiceImpl::DecideFlag(grpc::ServerContext* context,
                                           const v1::DecideFlagRequest* request,
                                           v1::FlagDisposition* response) {
  return Call(*env_, context, [&](const RequestContext& c) {
    return gongkai::DecideFlag(*env_, c, *request, response);
  });
}

}  // namespace gongkai

// The gRPC edge: each method authenticates the call (authorization metadata or client
// certificate), applies the caller's rate limit, and hands over to the plain functions in
// report_service.h, region_service.h, rollup_service.h and admin_service.h; then the one
// status conversion.
#ifndef GONGKAI_SERVICES_GRPC_SERVICES_H_
#define GONGKAI_SERVICES_GRPC_SERVICES_H_

#include <atomic>

#include "gongkai/v1/admin_service.grpc.pb.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "gongkai/v1/review_service.grpc.pb.h"
#include "gongkai/v1/rollup_service.grpc.pb.h"
#include "services/env.h"

namespace gongkai {

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  explicit ReportServiceImpl(const Env* env) : env_(env) {}
  grpc::Status SubmitReport(grpc::ServerContext* context, const v1::SubmitReportRequest* request,
                            v1::SubmitReportResponse* response) override;
  grpc::Status ValidateReport(grpc::ServerContext* context,
                              const v1::ValidateReportRequest* request,
                              v1::Verdict* response) override;
  grpc::Status GetReport(grpc::ServerContext* context, const v1::GetReportRequest* request,
                         v1::Revision* response) override;
  grpc::Status ListReports(grpc::ServerContext* context, const v1::ListReportsRequest* request,
                           v1::ListReportsResponse* response) override;
  grpc::Status ListRevisions(grpc::ServerContext* context, const v1::ListRevisionsRequest* request,
                             v1::ListRevisionsResponse* response) override;
  grpc::Status ListChanges(grpc::ServerContext* context, const v1::ListChangesRequest* request,
                           v1::ListChangesResponse* response) override;
  grpc::Status WatchChanges(grpc::ServerContext* context, const v1::WatchChangesRequest* request,
                            grpc::ServerWriter<v1::WatchChangesResponse>* writer) override;
  grpc::Status ParseReport(grpc::ServerContext* context, const v1::ParseReportRequest* request,
                           v1::ParseReportResponse* response) override;

  // Ends the streams that follow the change log (UNAVAILABLE) within moments, and refuses new
  // ones: they would otherwise hold the server's shutdown for its whole grace period. Streams
  // without follow end at the head they found, within the grace period.
  void EndStreams() { ending_ = true; }

 private:
  const Env* env_;
  std::atomic<bool> ending_{false};
};

class ReviewServiceImpl final : public v1::ReviewService::Service {
 public:
  explicit ReviewServiceImpl(const Env* env) : env_(env) {}
  grpc::Status ListReviews(grpc::ServerContext* context, const v1::ListReviewsRequest* request,
                           v1::ListReviewsResponse* response) override;
  grpc::Status GetReview(grpc::ServerContext* context, const v1::GetReviewRequest* request,
                         v1::GetReviewResponse* response) override;
  grpc::Status ApproveReport(grpc::ServerContext* context, const v1::ReviewDecisionRequest* request,
                             v1::Revision* response) override;
  grpc::Status ReturnReport(grpc::ServerContext* context, const v1::ReviewDecisionRequest* request,
                            v1::Revision* response) override;
  grpc::Status WithdrawReport(grpc::ServerContext* context,
                              const v1::ReviewDecisionRequest* request,
                              v1::Revision* response) override;
  grpc::Status ExplainFlag(grpc::ServerContext* context, const v1::ExplainFlagRequest* request,
                           v1::FlagDisposition* response) override;
  grpc::Status DecideFlag(grpc::ServerContext* context, const v1::DecideFlagRequest* request,
                          v1::FlagDisposition* response) override;

 private:
  const Env* env_;
};

class RegionServiceImpl final : public v1::RegionService::Service {
 public:
  explicit RegionServiceImpl(const Env* env) : env_(env) {}
  grpc::Status GetRegion(grpc::ServerContext* context, const v1::GetRegionRequest* request,
                         v1::Region* response) override;
  grpc::Status ListChildRegions(grpc::ServerContext* context,
                                const v1::ListChildRegionsRequest* request,
                                v1::ListChildRegionsResponse* response) override;
  grpc::Status SearchRegions(grpc::ServerContext* context, const v1::SearchRegionsRequest* request,
                             v1::SearchRegionsResponse* response) override;
  grpc::Status ListRegions(grpc::ServerContext* context, const v1::ListRegionsRequest* request,
                           v1::ListRegionsResponse* response) override;
  grpc::Status GetRegionHistory(grpc::ServerContext* context,
                                const v1::GetRegionHistoryRequest* request,
                                v1::RegionHistory* response) override;

 private:
  const Env* env_;
};

class RollupServiceImpl final : public v1::RollupService::Service {
 public:
  explicit RollupServiceImpl(const Env* env) : env_(env) {}
  grpc::Status GetRollup(grpc::ServerContext* context, const v1::GetRollupRequest* request,
                         v1::Rollup* response) override;
  grpc::Status ListChildRollups(grpc::ServerContext* context,
                                const v1::ListChildRollupsRequest* request,
                                v1::ListChildRollupsResponse* response) override;
  grpc::Status ListAnomalies(grpc::ServerContext* context, const v1::ListAnomaliesRequest* request,
                             v1::ListAnomaliesResponse* response) override;
  grpc::Status StartRollupJob(grpc::ServerContext* context,
                              const v1::StartRollupJobRequest* request,
                              v1::RollupJob* response) override;
  grpc::Status GetRollupJob(grpc::ServerContext* context, const v1::GetRollupJobRequest* request,
                            v1::RollupJob* response) override;

 private:
  const Env* env_;
};

class WorkerServiceImpl final : public v1::WorkerService::Service {
 public:
  explicit WorkerServiceImpl(const Env* env) : env_(env) {}
  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::Checkpoint* response) override;
  grpc::Status WriteResults(grpc::ServerContext* context, const v1::WriteResultsRequest* request,
                            v1::Checkpoint* response) override;
  grpc::Status ListReportDigests(grpc::ServerContext* context,
                                 const v1::ListReportDigestsRequest* request,
                                 v1::ListReportDigestsResponse* response) override;
  grpc::Status ClaimRollupJob(grpc::ServerContext* context,
                              const v1::ClaimRollupJobRequest* request,
                              v1::RollupJob* response) override;
  grpc::Status FinishRollupJob(grpc::ServerContext* context, const v1::RollupJob* request,
                               v1::RollupJob* response) override;

 private:
  const Env* env_;
};

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  explicit AdminServiceImpl(const Env* env) : env_(env) {}
  grpc::Status CreateBackup(grpc::ServerContext* context, const v1::CreateBackupRequest* request,
                            v1::Backup* response) override;
  grpc::Status CreatePrincipal(grpc::ServerContext* context,
                               const v1::CreatePrincipalRequest* request,
                               v1::CreatePrincipalResponse* response) override;
  grpc::Status ListPrincipals(grpc::ServerContext* context,
                              const v1::ListPrincipalsRequest* request,
                              v1::ListPrincipalsResponse* response) override;
  grpc::Status RevokePrincipal(grpc::ServerContext* context,
                               const v1::RevokePrincipalRequest* request,
                               v1::Principal* response) override;
  grpc::Status ChangeRegion(grpc::ServerContext* context, const v1::ChangeRegionRequest* request,
                            v1::RegistryChangeResult* response) override;
  grpc::Status LoadRegistryEdition(grpc::ServerContext* context,
                                   const v1::LoadRegistryEditionRequest* request,
                                   v1::RegistryChangeResult* response) override;

 private:
  const Env* env_;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_GRPC_SERVICES_H_

// Roles and scopes through the real gRPC server (tests/security_test_util.h): a table of every
// RPC called by principals in and out of scope (the rest: security_listing_test.cc).
#include <functional>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/security_test_util.h"

namespace gongkai {
namespace {

using ::testing::HasSubstr;
using testing::kDongcheng;
using testing::kDongguan;
using testing::kNation;
using testing::kNinghai;
using testing::kYishi;
using testing::SecurityTest;

// Who may call an RPC.
enum class Rule {
  kAnyone,       // any authenticated principal (the public registry)
  kRole,         // one of the roles, whatever the target
  kScoped,       // one of the roles, and the target region in scope
  kWholeNation,  // one of the roles, and the whole nation in scope
  kReviews,      // the reviewer role, and the target strictly below a root of the scope
  kWithdraws,    // the submitter role with the target in scope, or as kReviews
};

struct Rpc {
  std::string name;
  Rule rule;
  std::vector<v1::Role> roles;
  // Calls the RPC about `region` (the target).
  std::function<grpc::Status(grpc::ClientContext*, const std::string& region)> call;
};

// Long by design: one table entry per RPC of the six services (the test fails when an RPC has
// none), then one loop over them all.
TEST_F(SecurityTest, EveryRpcAsPrincipalsInAndOutOfScope) {
  const std::vector<v1::Role> kRead = {v1::ROLE_READER, v1::ROLE_SUBMITTER, v1::ROLE_WORKER,
                                       v1::ROLE_REVIEWER};
  struct Who {
    std::string name;
    std::vector<v1::Role> roles;
    std::string scope;
    std::string token;
  };
  std::vector<Who> principals = {
      {"admin", {v1::ROLE_ADMIN}, kNation, ""},
      {"ninghai", {v1::ROLE_SUBMITTER}, kNinghai, ""},
      {"ninghai-reader", {v1::ROLE_READER}, kNinghai, ""},
      {"dongguan", {v1::ROLE_SUBMITTER}, kDongguan, ""},
      {"worker", {v1::ROLE_WORKER}, kNation, ""},
      // The county's reviewer reviews its townships; the township's own reviewer does not
      // review the township's government report (the level above does).
      {"ninghai-reviewer", {v1::ROLE_REVIEWER}, kNinghai, ""},
      {"yishi-reviewer", {v1::ROLE_REVIEWER}, kYishi, ""},
  };
  for (Who& who : principals) who.token = Create(who.name, who.roles, {who.scope});
  // Something to find in both subtrees.
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  ASSERT_TRUE(Submit(root, ReportIn(kYishi)).ok());
  ASSERT_TRUE(Submit(root, ReportIn(kDongcheng)).ok());

  int backups = 0;
  int principals_made = 0;
  const std::vector<Rpc> rpcs = {
      {"ReportService.SubmitReport",
       Rule::kScoped,
       {v1::ROLE_SUBMITTER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::SubmitReportRequest request;
         *request.mutable_report() = ReportIn(region);
         request.set_mode(v1::VALIDATION_MODE_LENIENT);
         v1::SubmitReportResponse response;
         return reports_->SubmitReport(c, request, &response);
       }},
      {"ReportService.ValidateReport",
       Rule::kRole,
       {v1::ROLE_SUBMITTER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ValidateReportRequest request;
         *request.mutable_report() = ReportIn(region);
         v1::Verdict response;
         return reports_->ValidateReport(c, request, &response);
       }},
      {"ReportService.GetReport", Rule::kScoped, kRead,
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::GetReportRequest request;
         *request.mutable_key() = ReportIn(region).key();
         v1::Revision response;
         return reports_->GetReport(c, request, &response);
       }},
      {"ReportService.ListReports", Rule::kScoped, kRead,
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ListReportsRequest request;
         request.set_region_code(region);
         request.set_year(2019);
         v1::ListReportsResponse response;
         return reports_->ListReports(c, request, &response);
       }},
      {"ReportService.ListRevisions", Rule::kScoped, kRead,
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ListRevisionsRequest request;
         *request.mutable_key() = ReportIn(region).key();
         v1::ListRevisionsResponse response;
         return reports_->ListRevisions(c, request, &response);
       }},
      {"ReportService.ListChanges", Rule::kRole, kRead,
       [&](grpc::ClientContext* c, const std::string&) {
         v1::ListChangesRequest request;
         v1::ListChangesResponse response;
         return reports_->ListChanges(c, request, &response);
       }},
      {"ReportService.WatchChanges", Rule::kRole, kRead,
       [&](grpc::ClientContext* c, const std::string&) {
         v1::WatchChangesRequest request;  // without follow: ends at the head
         auto reader = reports_->WatchChanges(c, request);
         v1::WatchChangesResponse page;
         while (reader->Read(&page)) {
         }
         return reader->Finish();
       }},
      {"ReportService.ParseReport(store)",
       Rule::kScoped,
       {v1::ROLE_SUBMITTER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ParseReportRequest request;
         request.set_text(testing::ReadFile(testing::TestData("2019_town_yishi.txt")));
         request.mutable_key()->set_region_code(region);
         request.set_store(true);
         v1::ParseReportResponse response;
         return reports_->ParseReport(c, request, &response);
       }},
      {"RegionService.GetRegion",
       Rule::kAnyone,
       {},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::GetRegionRequest request;
         request.set_code(region);
         v1::Region response;
         return regions_->GetRegion(c, request, &response);
       }},
      {"RegionService.ListChildRegions",
       Rule::kAnyone,
       {},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ListChildRegionsRequest request;
         request.set_code(region);
         v1::ListChildRegionsResponse response;
         return regions_->ListChildRegions(c, request, &response);
       }},
      {"RegionService.SearchRegions",
       Rule::kAnyone,
       {},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::SearchRegionsRequest request;
         request.set_name("宁");
         v1::SearchRegionsResponse response;
         return regions_->SearchRegions(c, request, &response);
       }},
      {"RegionService.ListRegions",
       Rule::kAnyone,
       {},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::ListRegionsRequest request;
         v1::ListRegionsResponse response;
         return regions_->ListRegions(c, request, &response);
       }},
      {"RegionService.GetRegionHistory",
       Rule::kAnyone,
       {},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::GetRegionHistoryRequest request;
         request.set_code(region);
         v1::RegionHistory response;
         return regions_->GetRegionHistory(c, request, &response);
       }},
      {"RollupService.GetRollup", Rule::kScoped, kRead,
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::GetRollupRequest request;
         request.set_region_code(region);
         request.set_year(2019);
         v1::Rollup response;
         return rollups_->GetRollup(c, request, &response);
       }},
      {"RollupService.ListChildRollups", Rule::kScoped, kRead,
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ListChildRollupsRequest request;
         request.set_region_code(region);
         request.set_year(2019);
         v1::ListChildRollupsResponse response;
         return rollups_->ListChildRollups(c, request, &response);
       }},
      {"RollupService.ListAnomalies", Rule::kScoped, kRead,
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ListAnomaliesRequest request;
         request.set_region_code(region);
         request.set_year(2019);
         v1::ListAnomaliesResponse response;
         return rollups_->ListAnomalies(c, request, &response);
       }},
      {"RollupService.StartRollupJob",
       Rule::kScoped,
       {v1::ROLE_ADMIN},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::StartRollupJobRequest request;
         request.set_year(2019);
         request.set_region_code(region);
         v1::RollupJob response;
         return rollups_->StartRollupJob(c, request, &response);
       }},
      {"RollupService.GetRollupJob",
       Rule::kRole,
       {v1::ROLE_ADMIN, v1::ROLE_WORKER},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::GetRollupJobRequest request;
         request.set_id("1");
         v1::RollupJob response;
         return rollups_->GetRollupJob(c, request, &response);
       }},
      {"WorkerService.GetCheckpoint",
       Rule::kWholeNation,
       {v1::ROLE_WORKER},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::Checkpoint response;
         return worker_->GetCheckpoint(c, {}, &response);
       }},
      {"WorkerService.WriteResults",
       Rule::kWholeNation,
       {v1::ROLE_WORKER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::WriteResultsRequest request;
         request.set_year(2019);
         request.add_anomaly_sets()->set_region_code(region);
         v1::Checkpoint response;
         return worker_->WriteResults(c, request, &response);
       }},
      {"WorkerService.ListReportDigests",
       Rule::kWholeNation,
       {v1::ROLE_WORKER},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::ListReportDigestsRequest request;
         request.set_year(2019);
         v1::ListReportDigestsResponse response;
         return worker_->ListReportDigests(c, request, &response);
       }},
      {"WorkerService.ClaimRollupJob",
       Rule::kWholeNation,
       {v1::ROLE_WORKER},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::RollupJob response;
         return worker_->ClaimRollupJob(c, {}, &response);
       }},
      {"WorkerService.FinishRollupJob",
       Rule::kWholeNation,
       {v1::ROLE_WORKER},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::RollupJob request;
         request.set_id("999");
         v1::RollupJob response;
         return worker_->FinishRollupJob(c, request, &response);
       }},
      {"AdminService.CreateBackup",
       Rule::kWholeNation,
       {v1::ROLE_ADMIN},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::CreateBackupRequest request;
         request.set_directory(absl::StrCat(dir_.path(), "/backup-", ++backups));
         v1::Backup response;
         return admin_->CreateBackup(c, request, &response);
       }},
      {"AdminService.CreatePrincipal",
       Rule::kScoped,
       {v1::ROLE_ADMIN},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::CreatePrincipalRequest request;
         request.mutable_principal()->set_name(absl::StrCat("made-", ++principals_made));
         request.mutable_principal()->add_roles(v1::ROLE_ADMIN);
         request.mutable_principal()->add_region_codes(region);
         v1::CreatePrincipalResponse response;
         return admin_->CreatePrincipal(c, request, &response);
       }},
      {"AdminService.ListPrincipals",
       Rule::kRole,
       {v1::ROLE_ADMIN},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::ListPrincipalsResponse response;
         return admin_->ListPrincipals(c, {}, &response);
       }},
      {"AdminService.ChangeRegion(dry run)",
       Rule::kScoped,
       {v1::ROLE_ADMIN},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ChangeRegionRequest request;
         request.set_action(v1::ChangeRegionRequest::ACTION_RENAME);
         request.set_code(region);
         request.set_name("新名");
         request.set_effective_year(2025);
         request.set_dry_run(true);
         v1::RegistryChangeResult response;
         return admin_->ChangeRegion(c, request, &response);
       }},
      {"AdminService.LoadRegistryEdition(dry run)",
       Rule::kWholeNation,
       {v1::ROLE_ADMIN},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::LoadRegistryEditionRequest request;
         request.set_year(2025);
         for (const v1::Region& r : testing::SmallRegistry()) *request.add_regions() = r;
         request.set_dry_run(true);
         v1::RegistryChangeResult response;
         return admin_->LoadRegistryEdition(c, request, &response);
       }},
      {"AdminService.RevokePrincipal",
       Rule::kRole,
       {v1::ROLE_ADMIN},
       [&](grpc::ClientContext* c, const std::string&) {
         v1::RevokePrincipalRequest request;
         request.set_name("nobody");
         v1::Principal response;
         return admin_->RevokePrincipal(c, request, &response);
       }},
      {"ReviewService.ListReviews",
       Rule::kScoped,
       {v1::ROLE_REVIEWER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ListReviewsRequest request;
         request.set_region_code(region);
         request.set_year(2019);
         v1::ListReviewsResponse response;
         return reviews_->ListReviews(c, request, &response);
       }},
      {"ReviewService.GetReview", Rule::kScoped, kRead,
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::GetReviewRequest request;
         *request.mutable_key() = ReportIn(region).key();
         v1::GetReviewResponse response;
         return reviews_->GetReview(c, request, &response);
       }},
      {"ReviewService.ApproveReport",
       Rule::kReviews,
       {v1::ROLE_REVIEWER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ReviewDecisionRequest request;
         *request.mutable_key() = ReportIn(region).key();
         v1::Revision response;
         return reviews_->ApproveReport(c, request, &response);
       }},
      {"ReviewService.ReturnReport",
       Rule::kReviews,
       {v1::ROLE_REVIEWER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ReviewDecisionRequest request;
         *request.mutable_key() = ReportIn(region).key();
         request.add_reasons("表三合计不符");
         v1::Revision response;
         return reviews_->ReturnReport(c, request, &response);
       }},
      // Before looking the flag up, the region must overlap the scope (then: NOT_FOUND here).
      {"ReviewService.ExplainFlag",
       Rule::kScoped,
       {v1::ROLE_SUBMITTER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ExplainFlagRequest request;
         request.set_flag_id(region + "-2019-0123456789abcdef");
         request.set_explanation("当年确无新制作的规章");
         v1::FlagDisposition response;
         return reviews_->ExplainFlag(c, request, &response);
       }},
      {"ReviewService.DecideFlag",
       Rule::kScoped,
       {v1::ROLE_REVIEWER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::DecideFlagRequest request;
         request.set_flag_id(region + "-2019-0123456789abcdef");
         request.set_decision(v1::FLAG_DECISION_DISMISS);
         request.set_note("误报");
         v1::FlagDisposition response;
         return reviews_->DecideFlag(c, request, &response);
       }},
      // Last: it takes the reports away (later calls find them withdrawn, which is no refusal).
      {"ReviewService.WithdrawReport",
       Rule::kWithdraws,
       {v1::ROLE_SUBMITTER, v1::ROLE_REVIEWER},
       [&](grpc::ClientContext* c, const std::string& region) {
         v1::ReviewDecisionRequest request;
         *request.mutable_key() = ReportIn(region).key();
         request.add_reasons("报送主体有误");
         v1::Revision response;
         return reviews_->WithdrawReport(c, request, &response);
       }},
  };
  int methods = 0;
  for (const char* service : {"ReportService", "RegionService", "RollupService", "WorkerService",
                              "AdminService", "ReviewService"}) {
    methods += google::protobuf::DescriptorPool::generated_pool()
                   ->FindServiceByName(absl::StrCat("gongkai.v1.", service))
                   ->method_count();
  }
  ASSERT_EQ(rpcs.size(), static_cast<size_t>(methods)) << "every RPC of the six services";

  auto in_scope = [&](const Who& who, const std::string& target) {
    if (who.scope == kNation) return true;
    const std::vector<std::string> path = store_->Tree(2019)->PathOf(target);
    return std::find(path.begin(), path.end(), who.scope) != path.end();
  };
  auto has = [](const Who& who, v1::Role role) {
    return std::find(who.roles.begin(), who.roles.end(), role) != who.roles.end();
  };
  // Government reports only here: a reviewer reviews them strictly below its roots.
  auto reviews = [&](const Who& who, const std::string& target) {
    return has(who, v1::ROLE_REVIEWER) && in_scope(who, target) && who.scope != target;
  };
  int checked = 0;
  for (const Rpc& rpc : rpcs) {
    for (const Who& who : principals) {
      for (const std::string& target : {std::string(kYishi), std::string(kDongcheng)}) {
        bool allowed = true;
        if (rpc.rule != Rule::kAnyone) {
          allowed = std::any_of(rpc.roles.begin(), rpc.roles.end(), [&](v1::Role role) {
            return std::find(who.roles.begin(), who.roles.end(), role) != who.roles.end();
          });
        }
        if (rpc.rule == Rule::kScoped) allowed = allowed && in_scope(who, target);
        if (rpc.rule == Rule::kWholeNation) allowed = allowed && who.scope == kNation;
        if (rpc.rule == Rule::kReviews) allowed = reviews(who, target);
        if (rpc.rule == Rule::kWithdraws) {
          allowed = (has(who, v1::ROLE_SUBMITTER) && in_scope(who, target)) || reviews(who, target);
        }
        const int64_t head_before = store_->HeadSequence();
        grpc::Status status = rpc.call(As(who.token).get(), target);
        SCOPED_TRACE(absl::StrCat(rpc.name, " as ", who.name, " on ", target, ": ",
                                  status.error_code(), " ", status.error_message()));
        if (allowed) {
          EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
          EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        } else {
          EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
          EXPECT_THAT(status.error_message(), HasSubstr("principal " + who.name + " may not"));
          EXPECT_EQ(store_->HeadSequence(), head_before) << "a refused call wrote nothing";
        }
        // Without credentials every RPC is refused as unauthenticated.
        EXPECT_EQ(rpc.call(As("").get(), target).error_code(), grpc::StatusCode::UNAUTHENTICATED);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, methods * 7 * 2);
}

}  // namespace
}  // namespace gongkai

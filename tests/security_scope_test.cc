// Roles and scopes through the real gRPC server (tests/security_test_util.h): a table of every
// RPC called by principals in and out of scope; refusals that reveal nothing; filtered
// listings, change log and page tokens; body restrictions; admins' jobs and revocations.
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
};

struct Rpc {
  std::string name;
  Rule rule;
  std::vector<v1::Role> roles;
  // Calls the RPC about `region` (the target).
  std::function<grpc::Status(grpc::ClientContext*, const std::string& region)> call;
};

TEST_F(SecurityTest, EveryRpcAsPrincipalsInAndOutOfScope) {
  const std::vector<v1::Role> kRead = {v1::ROLE_READER, v1::ROLE_SUBMITTER, v1::ROLE_WORKER};
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
  };
  int methods = 0;
  for (const char* service :
       {"ReportService", "RegionService", "RollupService", "WorkerService", "AdminService"}) {
    methods += google::protobuf::DescriptorPool::generated_pool()
                   ->FindServiceByName(absl::StrCat("gongkai.v1.", service))
                   ->method_count();
  }
  ASSERT_EQ(rpcs.size(), static_cast<size_t>(methods)) << "every RPC of the five services";

  auto in_scope = [&](const Who& who, const std::string& target) {
    if (who.scope == kNation) return true;
    const std::vector<std::string> path = store_->Tree(2019)->PathOf(target);
    return std::find(path.begin(), path.end(), who.scope) != path.end();
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
  EXPECT_EQ(checked, methods * 5 * 2);
}

TEST_F(SecurityTest, RefusalOutsideScopeDoesNotRevealWhetherTheTargetExists) {
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  const std::string ninghai = Create("ninghai", {v1::ROLE_READER}, {kNinghai});
  ASSERT_TRUE(Submit(root, ReportIn(kDongcheng)).ok());
  auto get = [&](const std::string& region, int year) {
    v1::GetReportRequest request;
    *request.mutable_key() = ReportIn(region).key();
    request.mutable_key()->set_year(year);
    v1::Revision response;
    return reports_->GetReport(As(ninghai).get(), request, &response);
  };
  const grpc::Status existing = get(kDongcheng, 2019);
  const grpc::Status absent_report = get(kDongcheng, 2020);
  const grpc::Status absent_region = get("441900999000", 2019);
  for (const grpc::Status& status : {existing, absent_report, absent_region}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  }
  EXPECT_EQ(existing.error_message(), absent_report.error_message());
  // In scope, the absent report is simply not found.
  EXPECT_EQ(get(kYishi, 2019).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SecurityTest, ListingsAndTheChangeLogShowOnlyWhatTheCallerMayRead) {
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  const std::string ninghai = Create("ninghai", {v1::ROLE_READER}, {kNinghai});
  ASSERT_TRUE(Submit(root, ReportIn(kYishi)).ok());
  ASSERT_TRUE(Submit(root, ReportIn(kDongcheng)).ok());
  ASSERT_TRUE(Submit(root, ReportIn("330226001000")).ok());  // 跃龙街道, in 宁海县

  std::vector<std::string> listed;
  v1::ListReportsRequest list;
  list.set_region_code(kNation);
  list.set_year(2019);
  list.set_page_size(1);
  do {
    v1::ListReportsResponse response;
    ASSERT_TRUE(reports_->ListReports(As(ninghai).get(), list, &response).ok());
    for (const auto& r : response.reports()) listed.push_back(r.key().region_code());
    list.set_page_token(response.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_THAT(listed, ::testing::ElementsAre("330226001000", kYishi));

  v1::ListChangesRequest changes;
  v1::ListChangesResponse response;
  ASSERT_TRUE(reports_->ListChanges(As(ninghai).get(), changes, &response).ok());
  std::vector<std::pair<int64_t, std::string>> seen;
  for (const auto& c : response.changes()) seen.emplace_back(c.sequence(), c.key().region_code());
  EXPECT_THAT(seen, ::testing::ElementsAre(std::pair<int64_t, std::string>(1, kYishi),
                                           std::pair<int64_t, std::string>(3, "330226001000")));
  EXPECT_EQ(response.next_sequence(), 4) << "the reader still moves past entries it cannot see";
  EXPECT_EQ(response.head_sequence(), 3);

  // The whole list for a principal over the nation.
  v1::ListChangesResponse all;
  ASSERT_TRUE(reports_->ListChanges(As(root).get(), changes, &all).ok());
  EXPECT_EQ(all.changes_size(), 3);
}

TEST_F(SecurityTest, ABodyRestrictedPrincipalTouchesOnlyItsBodysReports) {
  const std::string body = Create("bureau", {v1::ROLE_SUBMITTER}, {kNinghai}, testing::kBodyCode);
  v1::Report own = ReportIn(kYishi);
  v1::Report bureau = own;
  bureau.mutable_key()->set_body(testing::kBodyCode);
  EXPECT_EQ(Submit(body, own).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status status = Submit(body, bureau);
  EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
}

TEST_F(SecurityTest, PageTokensNameOnlyReportsTheCallerMaySee) {
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  ASSERT_TRUE(Submit(root, ReportIn(kYishi)).ok());
  ASSERT_TRUE(Submit(root, ReportIn("330226001000")).ok());
  ASSERT_TRUE(Submit(root, ReportIn(kDongcheng)).ok());
  struct Case {
    std::string scope, hidden;
  };
  for (const Case& c : {Case{kDongguan, "3302"}, Case{kNinghai, "4419"}}) {
    const std::string token = Create("reader-" + c.scope, {v1::ROLE_READER}, {c.scope});
    v1::ListReportsRequest list;
    list.set_region_code(kNation);
    list.set_year(2019);
    list.set_page_size(1);
    int pages = 0;
    int listed = 0;
    do {
      v1::ListReportsResponse response;
      ASSERT_TRUE(reports_->ListReports(As(token).get(), list, &response).ok());
      for (const auto& r : response.reports()) {
        EXPECT_THAT(r.key().region_code(), ::testing::StartsWith(c.scope.substr(0, 4)));
        ++listed;
      }
      std::string decoded;
      ASSERT_TRUE(absl::WebSafeBase64Unescape(response.next_page_token(), &decoded));
      EXPECT_EQ(decoded.find(c.hidden), std::string::npos) << "the token names a hidden report";
      list.set_page_token(response.next_page_token());
      ++pages;
    } while (!list.page_token().empty() && pages < 10);
    EXPECT_EQ(listed, c.scope == kNinghai ? 2 : 1);
  }
}

TEST_F(SecurityTest, ABodyRestrictionKeepsAggregatesAndCopiesOfTheWholeSubtreeOut) {
  // A principal for the governments' own reports ("-") over the nation, with every role.
  const std::string own =
      Create("own-only", {v1::ROLE_ADMIN, v1::ROLE_READER, v1::ROLE_SUBMITTER, v1::ROLE_WORKER},
             {kNation}, "-");
  EXPECT_TRUE(Submit(own, ReportIn(kYishi)).ok());
  v1::GetRollupRequest rollup;
  rollup.set_region_code(kNinghai);
  rollup.set_year(2019);
  v1::Rollup ignored;
  EXPECT_EQ(rollups_->GetRollup(As(own).get(), rollup, &ignored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::CreateBackupRequest backup;
  backup.set_directory(dir_.path() + "/backup");
  v1::Backup made;
  EXPECT_EQ(admin_->CreateBackup(As(own).get(), backup, &made).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::Checkpoint checkpoint;
  EXPECT_EQ(worker_->GetCheckpoint(As(own).get(), {}, &checkpoint).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::StartRollupJobRequest job;
  job.set_year(2019);
  v1::RollupJob started;
  EXPECT_EQ(rollups_->StartRollupJob(As(own).get(), job, &started).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SecurityTest, JobsAndRevocationsStayWithinTheAdminsScope) {
  const std::string nation = Create("nation-admin", {v1::ROLE_ADMIN}, {kNation});
  const std::string county = Create("county-admin", {v1::ROLE_ADMIN}, {kNinghai});
  Create("dongguan-reader", {v1::ROLE_READER}, {kDongguan});
  Create("ninghai-reader", {v1::ROLE_READER}, {kNinghai});

  auto start = [&](const std::string& token, const std::string& region, v1::RollupJob* job) {
    v1::StartRollupJobRequest request;
    request.set_year(2019);
    request.set_region_code(region);
    return rollups_->StartRollupJob(As(token).get(), request, job);
  };
  v1::RollupJob own, national;
  ASSERT_TRUE(start(county, kNinghai, &own).ok());
  EXPECT_EQ(start(county, "", &national).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(start(nation, "", &national).ok());

  auto get = [&](const std::string& token, const std::string& id) {
    v1::GetRollupJobRequest request;
    request.set_id(id);
    v1::RollupJob job;
    return rollups_->GetRollupJob(As(token).get(), request, &job);
  };
  EXPECT_TRUE(get(county, own.id()).ok());
  const grpc::Status other = get(county, national.id());
  const grpc::Status missing = get(county, "999");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other.error_message(), missing.error_message());
  EXPECT_EQ(get(nation, "999").error_code(), grpc::StatusCode::NOT_FOUND);

  auto revoke = [&](const std::string& token, const std::string& name) {
    v1::RevokePrincipalRequest request;
    request.set_name(name);
    v1::Principal revoked;
    return admin_->RevokePrincipal(As(token).get(), request, &revoked);
  };
  EXPECT_EQ(revoke(county, "dongguan-reader").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(revoke(county, "nobody").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(revoke(nation, "nobody").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(revoke(county, "ninghai-reader").ok());
}

}  // namespace
}  // namespace gongkai

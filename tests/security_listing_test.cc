// Roles and scopes through the real gRPC server (tests/security_test_util.h), beyond the RPC
// table of security_scope_test.cc: refusals that reveal nothing; filtered listings, change log
// and page tokens; body restrictions; admins' jobs and revocations.
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
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

// A flag id names its region: a caller may look a flag up only in its own scope, so one scoped
// below the region (a township's submitter with an id of its county's) is refused alike whether
// or not such a flag exists.
TEST_F(SecurityTest, FlagIdsOutsideTheScopeAreRefusedBeforeAnyLookup) {
  const std::string township = Create("yishi-submitter", {v1::ROLE_SUBMITTER}, {kYishi});
  const std::string reviewer = Create("yishi-reviewer", {v1::ROLE_REVIEWER}, {kYishi});
  for (const std::string& id : {std::string(kNinghai) + "-2019-0123456789abcdef",
                                std::string(kDongguan) + "-2019-0123456789abcdef"}) {
    v1::ExplainFlagRequest explain;
    explain.set_flag_id(id);
    explain.set_explanation("x");
    v1::FlagDisposition response;
    EXPECT_EQ(reviews_->ExplainFlag(As(township).get(), explain, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << id;
    v1::DecideFlagRequest decide;
    decide.set_flag_id(id);
    decide.set_decision(v1::FLAG_DECISION_DISMISS);
    decide.set_note("x");
    EXPECT_EQ(reviews_->DecideFlag(As(reviewer).get(), decide, &response).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << id;
  }
}

// A principal restricted to one body cannot probe for flags on other bodies' reports in its
// region: no flag and another body's flag are refused alike.
TEST_F(SecurityTest, ABodysPrincipalCannotProbeForOtherBodiesFlags) {
  const std::string body =
      Create("ninghai-police", {v1::ROLE_SUBMITTER}, {kNinghai}, "11330226002578420E");
  v1::ExplainFlagRequest explain;
  explain.set_flag_id(std::string(kNinghai) + "-2019-0123456789abcdef");
  explain.set_explanation("x");
  v1::FlagDisposition response;
  grpc::Status status = reviews_->ExplainFlag(As(body).get(), explain, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("is no current flag of a report of its body"));
}

}  // namespace
}  // namespace gongkai

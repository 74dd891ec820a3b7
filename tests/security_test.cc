// Credentials and limits through the real gRPC server (tests/security_test_util.h): missing,
// bad, revoked and expired tokens; the open mode before any principal exists; the audit trail;
// admins granting no more than they hold; salted hashes; rate limits; the message size limit.
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

TEST_F(SecurityTest, OpenUntilTheFirstPrincipalThenCredentialsAreRequired) {
  // No principal yet: the development mode, every caller anonymous.
  v1::SubmitReportResponse response;
  ASSERT_TRUE(Submit("", ReportIn(kYishi), &response).ok());
  EXPECT_EQ(response.revision().principal(), "anonymous");
  // A bad token is refused even now.
  EXPECT_EQ(Submit("gk1.nobody.xxxx", ReportIn(kYishi)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Creating the first principal through the open server switches enforcement on.
  v1::CreatePrincipalRequest create;
  create.mutable_principal()->set_name("county");
  create.mutable_principal()->add_roles(v1::ROLE_SUBMITTER);
  create.mutable_principal()->add_region_codes(kNinghai);
  v1::CreatePrincipalResponse created;
  ASSERT_TRUE(admin_->CreatePrincipal(As("").get(), create, &created).ok());
  EXPECT_THAT(created.token(), ::testing::StartsWith("gk1.county."));
  EXPECT_EQ(created.principal().created_by(), "anonymous");

  grpc::Status status = Submit("", ReportIn(kYishi));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("authorization: Bearer"));
  EXPECT_EQ(Submit(created.token() + "x", ReportIn(kYishi)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic " + created.token());
  v1::SubmitReportRequest request;
  v1::SubmitReportResponse ignored;
  EXPECT_EQ(reports_->SubmitReport(&basic, request, &ignored).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // The audit trail names the principal and the peer.
  v1::Report changed = ReportIn(kYishi);
  changed.set_title("changed");
  ASSERT_TRUE(Submit(created.token(), changed, &response).ok());
  EXPECT_EQ(response.revision().principal(), "county");
  EXPECT_THAT(response.revision().peer(), HasSubstr("127.0.0.1"));

  // Health and reflection stay open.
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext health_context;
  grpc::health::v1::HealthCheckResponse serving;
  EXPECT_TRUE(health->Check(&health_context, {}, &serving).ok());
}

TEST_F(SecurityTest, RevokedAndExpiredCredentialsStopWorkingAtOnce) {
  const std::string admin = Create("admin", {v1::ROLE_ADMIN, v1::ROLE_SUBMITTER}, {kNation});
  v1::CreatePrincipalRequest create;
  v1::Principal* p = create.mutable_principal();
  p->set_name("temporary");
  p->add_roles(v1::ROLE_SUBMITTER);
  p->add_region_codes(kNinghai);
  p->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(now_ + absl::Hours(1)));
  v1::CreatePrincipalResponse temporary;
  ASSERT_TRUE(admin_->CreatePrincipal(As(admin).get(), create, &temporary).ok());
  EXPECT_TRUE(Submit(temporary.token(), ReportIn(kYishi)).ok());
  now_ += absl::Hours(2);
  grpc::Status status = Submit(temporary.token(), ReportIn(kYishi));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("expired"));

  p->set_name("revocable");
  p->clear_expire_time();
  v1::CreatePrincipalResponse revocable;
  ASSERT_TRUE(admin_->CreatePrincipal(As(admin).get(), create, &revocable).ok());
  v1::RevokePrincipalRequest revoke;
  revoke.set_name("revocable");
  v1::Principal revoked;
  ASSERT_TRUE(admin_->RevokePrincipal(As(admin).get(), revoke, &revoked).ok());
  EXPECT_TRUE(revoked.revoked());
  status = Submit(revocable.token(), ReportIn(kYishi));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("revoked"));

  // Names are never reused; bad specifications name the field.
  v1::CreatePrincipalResponse again;
  EXPECT_EQ(admin_->CreatePrincipal(As(admin).get(), create, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  p->set_name("Bad Name");
  status = admin_->CreatePrincipal(As(admin).get(), create, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("principal.name"));
  p->set_name("nowhere");
  p->set_region_codes(0, "999999999999");
  status = admin_->CreatePrincipal(As(admin).get(), create, &again);
  EXPECT_THAT(status.error_message(), HasSubstr("principal.region_codes[0]"));

  // Everything survives a restart of the authenticator (it reads the store).
  auto reloaded = Authenticator::Load(store_.get());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_FALSE((*reloaded)->Authenticate("Bearer " + revocable.token(), "", now_).ok());
  EXPECT_TRUE((*reloaded)->Authenticate("Bearer " + admin, "", now_).ok());
}

TEST_F(SecurityTest, AnAdminCreatesPrincipalsOnlyWithinItsOwnScope) {
  const std::string county_admin =
      Create("county-admin", {v1::ROLE_ADMIN, v1::ROLE_SUBMITTER}, {kNinghai});
  v1::CreatePrincipalRequest create;
  create.mutable_principal()->set_name("town");
  create.mutable_principal()->add_roles(v1::ROLE_SUBMITTER);
  create.mutable_principal()->add_region_codes(kYishi);
  v1::CreatePrincipalResponse response;
  EXPECT_TRUE(admin_->CreatePrincipal(As(county_admin).get(), create, &response).ok());
  create.mutable_principal()->set_name("province");
  create.mutable_principal()->set_region_codes(0, "330000000000");
  EXPECT_EQ(admin_->CreatePrincipal(As(county_admin).get(), create, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListPrincipalsResponse list;
  ASSERT_TRUE(admin_->ListPrincipals(As(county_admin).get(), {}, &list).ok());
  std::vector<std::string> names;
  for (const auto& p : list.principals()) names.push_back(p.name());
  EXPECT_THAT(names, ::testing::ElementsAre("county-admin", "town"));
}

TEST_F(SecurityTest, TokensAreStoredOnlyAsSaltedHashes) {
  const std::string a = Create("a", {v1::ROLE_READER}, {kNation});
  const std::string b = Create("b", {v1::ROLE_READER}, {kNation});
  auto stored = store_->ListPrincipals();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  const std::string secret_a = a.substr(a.rfind('.') + 1);
  for (const v1::StoredPrincipal& s : *stored) {
    EXPECT_EQ(s.token_hash().size(), 32u);
    EXPECT_EQ(s.salt().size(), 16u);
    EXPECT_EQ(s.SerializeAsString().find(secret_a), std::string::npos);
  }
  EXPECT_NE((*stored)[0].salt(), (*stored)[1].salt());
}

TEST_F(SecurityTest, RateLimitsAnswerResourceExhaustedWithARetryHint) {
  const std::string limited = Create("limited", {v1::ROLE_READER}, {kNation}, "", 1.0);
  auto call = [&] {
    v1::GetRegionRequest request;
    request.set_code(kNinghai);
    v1::Region region;
    return regions_->GetRegion(As(limited).get(), request, &region);
  };
  // A burst of two seconds' worth, then refusals until time passes.
  EXPECT_TRUE(call().ok());
  EXPECT_TRUE(call().ok());
  grpc::Status status = call();
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("retry after 1000 ms"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 1);
  now_ += absl::Seconds(1);
  EXPECT_TRUE(call().ok());
}

TEST_F(SecurityTest, RequestsOverTheMessageLimitAreRefused) {
  v1::ParseReportRequest request;
  request.set_text(std::string(2 << 20, 'x'));
  v1::ParseReportResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(reports_->ParseReport(&context, request, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(SecurityTest, AnAdminGrantsNoMoreThanItHolds) {
  const std::string admin_only = Create("admin-only", {v1::ROLE_ADMIN}, {kNation});
  v1::CreatePrincipalRequest create;
  create.mutable_principal()->set_name("submitter");
  create.mutable_principal()->add_roles(v1::ROLE_SUBMITTER);
  create.mutable_principal()->add_region_codes(kNinghai);
  v1::CreatePrincipalResponse created;
  grpc::Status status = admin_->CreatePrincipal(As(admin_only).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("only roles it holds"));

  // An admin whose credentials expire may not create longer-lived ones.
  v1::Principal temporary;
  temporary.set_name("temporary-admin");
  temporary.add_roles(v1::ROLE_ADMIN);
  temporary.add_roles(v1::ROLE_SUBMITTER);
  temporary.add_region_codes(kNation);
  temporary.mutable_expire_time()->set_seconds(absl::ToUnixSeconds(now_ + absl::Hours(24)));
  auto made = auth_->Create(Caller::Open(), temporary, now_);
  ASSERT_TRUE(made.ok()) << made.status();
  status = admin_->CreatePrincipal(As(made->token()).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("expire no later"));
  create.mutable_principal()->mutable_expire_time()->set_seconds(
      absl::ToUnixSeconds(now_ + absl::Hours(12)));
  EXPECT_TRUE(admin_->CreatePrincipal(As(made->token()).get(), create, &created).ok());
}

}  // namespace
}  // namespace gongkai

// The security tests' fixture: the real gRPC server on 127.0.0.1:0 over a fresh RocksDB with an
// Authenticator, real stubs for every service, and helpers to create principals and call as
// them. Used by security_test.cc (credentials, limits) and security_scope_test.cc (roles and
// scopes).
#ifndef GONGKAI_TESTS_SECURITY_TEST_UTIL_H_
#define GONGKAI_TESTS_SECURITY_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "common/constants.h"
#include "gongkai/v1/admin_service.grpc.pb.h"
#include "gongkai/v1/review_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/server.h"
#include "tests/test_util.h"

namespace gongkai::testing {

inline const std::string kNation(kNationCode);
inline constexpr char kNinghai[] = "330226000000";    // 宁海县
inline constexpr char kYishi[] = "330226104000";      // 一市镇, in 宁海县
inline constexpr char kDongguan[] = "441900000000";   // 东莞市
inline constexpr char kDongcheng[] = "441900003000";  // 东城街道, in 东莞市

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.path() + "/db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(store_->LoadRegistry(testing::SmallRegistry()).ok());
    auto auth = Authenticator::Load(store_.get());
    ASSERT_TRUE(auth.ok()) << auth.status();
    auth_ = *std::move(auth);
    env_.store = store_.get();
    env_.auth = auth_.get();
    env_.clock = [this] { return now_; };
    ServerOptions options;
    options.max_receive_message_bytes = 1 << 20;  // below gRPC's default, so the test can fail
    auto server = Server::Start(&env_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    reports_ = v1::ReportService::NewStub(channel_);
    regions_ = v1::RegionService::NewStub(channel_);
    rollups_ = v1::RollupService::NewStub(channel_);
    worker_ = v1::WorkerService::NewStub(channel_);
    admin_ = v1::AdminService::NewStub(channel_);
    reviews_ = v1::ReviewService::NewStub(channel_);
  }
  void TearDown() override { server_->Shutdown(absl::Seconds(1)); }

  // Creates a principal directly (as the server's own bootstrap does) and returns its token.
  std::string Create(const std::string& name, std::vector<v1::Role> roles,
                     std::vector<std::string> regions, const std::string& body = "",
                     double rate_limit = 0) {
    v1::Principal p;
    p.set_name(name);
    for (v1::Role role : roles) p.add_roles(role);
    for (const std::string& code : regions) p.add_region_codes(code);
    p.set_body(body);
    p.set_rate_limit(rate_limit);
    auto created = auth_->Create(Caller::Open(), p, now_);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->token() : "";
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  v1::Report ReportIn(const std::string& region) {
    v1::Report report = testing::SeedReport();
    report.mutable_key()->set_region_code(region);
    return report;
  }

  grpc::Status Submit(const std::string& token, const v1::Report& report,
                      v1::SubmitReportResponse* response = nullptr) {
    v1::SubmitReportRequest request;
    *request.mutable_report() = report;
    request.set_mode(v1::VALIDATION_MODE_LENIENT);
    v1::SubmitReportResponse ignored;
    return reports_->SubmitReport(As(token).get(), request, response ? response : &ignored);
  }

  testing::TempDir dir_;
  absl::Time now_ = absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone());
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Authenticator> auth_;
  Env env_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::RegionService::Stub> regions_;
  std::unique_ptr<v1::RollupService::Stub> rollups_;
  std::unique_ptr<v1::WorkerService::Stub> worker_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::ReviewService::Stub> reviews_;
};

}  // namespace gongkai::testing

#endif  // GONGKAI_TESTS_SECURITY_TEST_UTIL_H_

// The services' test fixture: the real gRPC server on 127.0.0.1:0 over a fresh RocksDB with the
// small registry, and real client stubs (service_test.cc, service_watch_test.cc,
// server_threads_test.cc).
#ifndef GONGKAI_TESTS_SERVICE_TEST_FIXTURE_H_
#define GONGKAI_TESTS_SERVICE_TEST_FIXTURE_H_

#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/env.h"
#include "services/server.h"
#include "storage/store.h"
#include "tests/test_util.h"

namespace gongkai {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(store_->LoadRegistry(testing::SmallRegistry()).ok());
    env_.store = store_.get();
    env_.clock = [] { return absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone()); };
    auto server = Server::Start(&env_, server_options_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    reports_ = v1::ReportService::NewStub(channel_);
    regions_ = v1::RegionService::NewStub(channel_);
  }
  void TearDown() override { server_->Shutdown(absl::Seconds(1)); }

  grpc::Status Submit(const v1::Report& report, v1::SubmitReportResponse* response = nullptr,
                      v1::ValidationMode mode = v1::VALIDATION_MODE_STRICT) {
    v1::SubmitReportRequest request;
    *request.mutable_report() = report;
    request.set_mode(mode);
    v1::SubmitReportResponse ignored;
    grpc::ClientContext context;
    return reports_->SubmitReport(&context, request, response ? response : &ignored);
  }

  grpc::Status Get(const v1::ReportKey& key, v1::Revision* revision, int64_t number = 0) {
    v1::GetReportRequest request;
    *request.mutable_key() = key;
    request.set_revision(number);
    grpc::ClientContext context;
    return reports_->GetReport(&context, request, revision);
  }

  // Asserts the submission is refused with `code` and that the store is untouched.
  void ExpectRefusedAndNothingStored(const v1::Report& report, grpc::StatusCode code,
                                     absl::string_view rule) {
    grpc::Status status = Submit(report);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    if (!rule.empty()) {
      EXPECT_THAT(status.error_message(), ::testing::HasSubstr(std::string(rule)));
    }
    EXPECT_EQ(store_->HeadSequence(), sequence_before_);
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  Env env_;
  ServerOptions server_options_;  // a derived fixture may change them before SetUp
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::RegionService::Stub> regions_;
  int64_t sequence_before_ = 0;
};

}  // namespace gongkai

#endif  // GONGKAI_TESTS_SERVICE_TEST_FIXTURE_H_

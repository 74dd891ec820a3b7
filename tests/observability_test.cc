// Metrics in the Prometheus text format, and the interceptor's labels for unknown methods.
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "observability/metrics.h"
#include "services/server.h"
#include "tests/grpc_test_util.h"
#include "tests/test_util.h"

namespace gongkai {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, RendersCumulativeHistogramsAndEscapedLabels) {
  Metrics metrics;
  metrics.RecordRpc("/gongkai.v1.ReportService/GetReport", "OK", absl::Microseconds(300));
  metrics.RecordRpc("/gongkai.v1.ReportService/GetReport", "OK", absl::Milliseconds(3));
  metrics.RecordRpc("a\"b\\c\nd", "OK", absl::Seconds(100));
  const std::string text = metrics.Render({});
  EXPECT_THAT(text, HasSubstr("gongkai_rpc_requests_total{method=\"/gongkai.v1.ReportService/"
                              "GetReport\",code=\"OK\"} 2\n"));
  // 0.3 ms falls in every bucket from 0.0005 s; 3 ms from 0.005 s; +Inf counts both.
  EXPECT_THAT(text, HasSubstr("method=\"/gongkai.v1.ReportService/GetReport\",le=\"0.0005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("method=\"/gongkai.v1.ReportService/GetReport\",le=\"0.005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("method=\"/gongkai.v1.ReportService/GetReport\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("method=\"a\\\"b\\\\c\\nd\""));
  // Families without samples are left out.
  EXPECT_THAT(text, Not(HasSubstr("gongkai_submissions_total")));
}

TEST(MetricsTest, CountsUnknownMethodsUnderOneLabel) {
  testing::TempDir dir;
  auto store = storage::Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  Metrics metrics;
  Env env;
  env.store = store->get();
  env.metrics = &metrics;
  auto server = Server::Start(&env, {});
  ASSERT_TRUE(server.ok());
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  for (const char* path : {"/x\"y", "/gongkai.v1.Nope/Nothing"}) {
    EXPECT_FALSE(testing::RawUnaryCall(channel, path, std::string("\x0a\x00", 2)).ok());
  }
  const std::string text = metrics.Render({});
  EXPECT_THAT(text, Not(HasSubstr("x\\\"y")));
  EXPECT_THAT(text, Not(HasSubstr("Nope")));
  EXPECT_THAT(text, HasSubstr("method=\"unknown\""));
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace gongkai

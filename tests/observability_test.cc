// Metrics in the Prometheus text format, the interceptor's labels for unknown methods, and the
// budget of the access log's lines for failed calls.
#include <atomic>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "observability/log.h"
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

TEST(LogBudgetTest, WritesSoManyLinesOfAKindASecondAndCountsTheRestIntoTheNext) {
  LogBudget budget(2);
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  int64_t left_out = -1;
  EXPECT_TRUE(budget.Admit("a", t0, &left_out));
  EXPECT_EQ(left_out, 0);
  EXPECT_TRUE(budget.Admit("a", t0 + absl::Milliseconds(10), &left_out));
  EXPECT_FALSE(budget.Admit("a", t0 + absl::Milliseconds(20), &left_out));
  EXPECT_FALSE(budget.Admit("a", t0 + absl::Milliseconds(30), &left_out));
  // Another kind has its own budget.
  EXPECT_TRUE(budget.Admit("b", t0 + absl::Milliseconds(40), &left_out));
  EXPECT_EQ(left_out, 0);
  // The second runs from the kind's first line: still inside it 999 ms later.
  EXPECT_FALSE(budget.Admit("a", t0 + absl::Milliseconds(999), &left_out));
  EXPECT_TRUE(budget.Admit("a", t0 + absl::Seconds(1), &left_out));
  EXPECT_EQ(left_out, 3);
  EXPECT_TRUE(budget.Admit("a", t0 + absl::Seconds(1), &left_out));
  EXPECT_EQ(left_out, 0);
  EXPECT_FALSE(budget.Admit("a", t0 + absl::Seconds(1), &left_out));
  // A time just before the window's start (a thread that read the clock a moment before
  // another opened the window) counts in the window.
  EXPECT_FALSE(budget.Admit("a", t0 + absl::Milliseconds(990), &left_out));
  // A clock set back by a second or more starts a new window rather than refusing until it
  // catches up.
  EXPECT_TRUE(budget.Admit("a", t0, &left_out));
  EXPECT_EQ(left_out, 2);

  LogBudget unbounded(0);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(unbounded.Admit("a", t0, &left_out));
    EXPECT_EQ(left_out, 0);
  }
}

TEST(AccessLogTest, FailedCallsAreLoggedWithinTheBudgetOfTheirMethodAndCode) {
  testing::TempDir dir;
  auto store = storage::Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  Metrics metrics;
  std::ostringstream log;
  Logger logger("gongkaid", Logger::Format::kJson, &log);
  std::atomic<int64_t> now_ms{int64_t{1'800'000'000'000}};
  Env env;
  env.store = store->get();
  env.metrics = &metrics;
  env.logger = &logger;
  env.clock = [&now_ms] { return absl::FromUnixMillis(now_ms.load()); };
  ServerOptions options;
  options.failed_call_log_lines_per_second = 3;
  auto server = Server::Start(&env, options);
  ASSERT_TRUE(server.ok());
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  const std::string empty_request;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(
        testing::RawUnaryCall(channel, "/gongkai.v1.Nope/Nothing", empty_request).error_code(),
        grpc::StatusCode::UNIMPLEMENTED);
  }
  // A method of ours failing: its own budget, untouched by the flood of unknown methods.
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(
        testing::RawUnaryCall(channel, "/gongkai.v1.RegionService/GetRegion", empty_request).ok());
  }
  now_ms += 1000;
  ASSERT_EQ(testing::RawUnaryCall(channel, "/gongkai.v1.Nope/Nothing", empty_request).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  (*server)->Shutdown(absl::Seconds(1));

  std::vector<std::string> unknown, get_region;
  for (absl::string_view line : absl::StrSplit(log.str(), '\n', absl::SkipEmpty())) {
    if (absl::StrContains(line, "\"method\":\"unknown\"")) unknown.emplace_back(line);
    if (absl::StrContains(line, "/GetRegion\"")) get_region.emplace_back(line);
  }
  ASSERT_EQ(unknown.size(), 4u) << log.str();
  for (int i = 0; i < 3; ++i) EXPECT_THAT(unknown[i], Not(HasSubstr("left_out"))) << unknown[i];
  EXPECT_THAT(unknown[3], HasSubstr("\"left_out\":\"17\""));
  EXPECT_THAT(unknown[3], HasSubstr("\"code\":\"UNIMPLEMENTED\""));
  EXPECT_EQ(get_region.size(), 3u) << log.str();
  // The metrics count every call.
  EXPECT_THAT(
      metrics.Render({}),
      HasSubstr("gongkai_rpc_requests_total{method=\"unknown\",code=\"UNIMPLEMENTED\"} 21\n"));
}

}  // namespace
}  // namespace gongkai

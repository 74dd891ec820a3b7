// What an adversarial probe broke (issue 15), each as a test that failed before its fix: a
// port shared by two servers, listening on more ports than reported, page tokens that hint at
// hidden rows or fit another listing, sums that wrap, flags that name what the caller cannot
// see, unknown fields past the limits, unbounded parsing.
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "importer/parser.h"
#include "observability/http.h"
#include "services/limiter.h"
#include "services/server.h"
#include "tests/security_test_util.h"
#include "tests/test_util.h"
#include "worker/runner/runner.h"

namespace gongkai {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::kDongcheng;
using testing::kNation;
using testing::kNinghai;
using testing::kYishi;
using ::testing::Property;
using testing::SecurityTest;

// The inodes of the listening TCP sockets this process holds.
std::set<std::string> ListeningSockets() {
  std::set<std::string> mine;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) {
      char target[256];
      const std::string link = absl::StrCat("/proc/self/fd/", entry->d_name);
      const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
      if (n <= 0) continue;
      const std::string text(target, n);
      if (text.rfind("socket:[", 0) == 0) mine.insert(text.substr(8, text.size() - 9));
    }
    closedir(dir);
  }
  std::set<std::string> listening;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      if (state == "0A" && mine.contains(inode)) listening.insert(inode);  // 0A: LISTEN
    }
  }
  return listening;
}

class ServerStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    env_.store = store_.get();
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  Env env_;
};

TEST_F(ServerStartTest, ASecondServerOnATakenPortFailsToStart) {
  auto first = Server::Start(&env_, {.listen = "127.0.0.1:0"});
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Server::Start(&env_, {.listen = absl::StrCat("127.0.0.1:", (*first)->port())});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  (*first)->Shutdown(absl::Seconds(1));
}

TEST_F(ServerStartTest, ASecondMetricsEndpointOnATakenPortFailsToStart) {
  auto first = MetricsEndpoint::Start("127.0.0.1:0", [] { return std::string(); });
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = MetricsEndpoint::Start(absl::StrCat("127.0.0.1:", (*first)->port()),
                                       [] { return std::string(); });
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ServerStartTest, PortZeroBindsExactlyTheOnePortItReports) {
  for (const char* listen : {"localhost:0", "127.0.0.1:0"}) {
    const std::set<std::string> before = ListeningSockets();
    auto server = Server::Start(&env_, {.listen = listen});
    ASSERT_TRUE(server.ok()) << server.status();
    std::set<std::string> added;
    for (const std::string& inode : ListeningSockets()) {
      if (!before.contains(inode)) added.insert(inode);
    }
    EXPECT_EQ(added.size(), 1u) << listen;
    (*server)->Shutdown(absl::Seconds(1));
  }
}

// ---- the worker's results against the server's message limit -------------------------------

TEST_F(ServerStartTest, TheWorkerWritesInPiecesTheServerAccepts) {
  // Issue 15: a --max_message_bytes below the worker's results left the worker unable to write,
  // retrying silently forever. It now halves its pieces until the server takes them.
  ASSERT_TRUE(store_->LoadRegistry(testing::SmallRegistry()).ok());
  env_.clock = [] { return absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone()); };
  auto server = Server::Start(&env_, {.max_receive_message_bytes = 8 << 10});
  ASSERT_TRUE(server.ok()) << server.status();
  storage::CommitRequest commit;
  commit.report = testing::SeedReport();
  commit.time = env_.clock();
  ASSERT_TRUE(store_->Commit(commit).ok());
  worker::RunnerOptions options;
  options.clock = env_.clock;
  std::vector<std::string> errors;
  absl::Mutex mu;
  options.log = [](const std::string&) {};
  options.error_log = [&](const std::string& line) {
    absl::MutexLock lock(&mu);
    errors.push_back(line);
  };
  {
    // The runner (and its change feed's reader thread) is gone before the server shuts down,
    // as in gongkaid (Daemon::Stop): a stream still open on the in-process channel then
    // crashed inside gRPC now and then.
    worker::Runner runner((*server)->InProcessChannel(worker::WorkerChannelArguments()), options);
    std::thread thread([&] { (void)runner.Run(); });
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (store_->WorkerCheckpoint().value_or(0) < store_->HeadSequence() &&
           absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    runner.Stop();
    thread.join();
  }
  EXPECT_EQ(store_->WorkerCheckpoint().value_or(0), store_->HeadSequence());
  EXPECT_TRUE(store_->GetRollup("000000000000", 2019).ok());
  (*server)->Shutdown(absl::Seconds(1));
}

// ---- bounded parsing ----------------------------------------------------------------------

// The peak resident memory (KiB) of a child process that runs `work`.
long PeakKibOf(const std::function<void()>& work) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    work();
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    const long peak = usage.ru_maxrss;
    if (write(fds[1], &peak, sizeof peak) != sizeof peak) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  long peak = -1;
  if (read(fds[0], &peak, sizeof peak) != sizeof peak) peak = -1;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return peak;
}

TEST(BoundedParsingTest, FourMegabytesOfDigitsAreRefusedWithoutTakingAGigabyte) {
  // Issue 15: 4 MB of space-separated digits took ~950 MB and 3 s.
  std::string digits;
  for (int i = 0; digits.size() < (4u << 20) - 2; ++i) absl::StrAppend(&digits, i % 10, " ");
  importer::ParseResult parsed;
  const long baseline = PeakKibOf([] {});
  const long peak = PeakKibOf([&] { parsed = importer::ParseReport(digits); });
  EXPECT_LT(peak - baseline, 200 * 1024) << "KiB above an idle child: " << peak - baseline;
  parsed = importer::ParseReport(digits);
  EXPECT_FALSE(parsed.has_tables);
  bool refused = false;
  for (const auto& d : parsed.diagnostics) {
    refused |= d.kind == importer::Diagnostic::Kind::kInputTooLarge;
  }
  EXPECT_TRUE(refused);
}

TEST(BoundedParsingTest, ParsesBeyondTheLimitAtOnceWaitThenAreRefused) {
  Limiter limiter("ParseReport calls", 1, absl::Milliseconds(50));
  ASSERT_TRUE(limiter.Acquire(absl::InfiniteFuture()).ok());
  const absl::Status second = limiter.Acquire(absl::InfiniteFuture());
  EXPECT_EQ(second.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(second.message(), HasSubstr("retry"));
  limiter.Release();
  EXPECT_TRUE(limiter.Acquire(absl::InfiniteFuture()).ok());
  limiter.Release();
}

// ---- unknown fields ------------------------------------------------------------------------

TEST_F(SecurityTest, UnknownFieldsAreNotStoredSoReadersLimitsHold) {
  // Issue 15: a report padded with ~4 MB in an unknown field was stored, and afterwards every
  // read of it failed with RESOURCE_EXHAUSTED.
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  v1::Report padded = ReportIn(kYishi);
  padded.GetReflection()->MutableUnknownFields(&padded)->AddLengthDelimited(
      999, std::string(600 << 10, 'x'));
  padded.mutable_table3()
      ->GetReflection()
      ->MutableUnknownFields(padded.mutable_table3())
      ->AddVarint(998, 7);
  v1::SubmitReportResponse stored;
  ASSERT_TRUE(Submit(root, padded, &stored).ok());
  EXPECT_THAT(stored.revision().verdict().violations(),
              Contains(Property(&v1::Violation::rule, "UNKNOWN_FIELDS")));
  v1::GetReportRequest get;
  *get.mutable_key() = padded.key();
  v1::Revision revision;
  ASSERT_TRUE(reports_->GetReport(As(root).get(), get, &revision).ok());
  EXPECT_LT(revision.report().ByteSizeLong(), 64u << 10);
  EXPECT_EQ(revision.report().GetReflection()->GetUnknownFields(revision.report()).field_count(),
            0);
  // The same report without the padding is the same content: nothing new is stored.
  v1::SubmitReportResponse again;
  ASSERT_TRUE(Submit(root, ReportIn(kYishi), &again).ok());
  EXPECT_FALSE(again.created());
}

TEST_F(SecurityTest, AnUnknownFieldDeepInsideTheReportIsFoundAndNotStored) {
  // Validation looks for unknown fields in the same walk as its UTF-8 check, at every depth,
  // and the report is cleaned only when it found some.
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  v1::Report report = ReportIn(kYishi);
  google::protobuf::Message* deep = report.mutable_table3()->mutable_new_requests();
  deep->GetReflection()->MutableUnknownFields(deep)->AddVarint(997, 5);
  v1::SubmitReportResponse stored;
  ASSERT_TRUE(Submit(root, report, &stored).ok());
  EXPECT_THAT(stored.revision().verdict().violations(),
              Contains(Property(&v1::Violation::rule, "UNKNOWN_FIELDS")));
  v1::SubmitReportResponse again;
  ASSERT_TRUE(Submit(root, ReportIn(kYishi), &again).ok());
  EXPECT_FALSE(again.created()) << "the unknown field was stored";
}

// ---- flags that name or count what the caller cannot see ----------------------------------

TEST_F(SecurityTest, AFlagNeverNamesOrCountsPeersTheCallerCannotSee) {
  // A township's COPIED_NARRATIVE flag against its sibling, and a ZERO_PUBLICATION flag with
  // peer counts, as the worker writes them.
  v1::AnomalySet set;
  set.set_region_code(kYishi);
  set.set_year(2019);
  v1::Anomaly* copied = set.add_anomalies();
  copied->set_kind(v1::ANOMALY_KIND_COPIED_NARRATIVE);
  copied->mutable_key()->set_region_code(kYishi);
  copied->mutable_key()->set_year(2019);
  copied->set_explanation(
      "“五、存在的主要问题及改进情况”与同级单位跃龙街道的报告内容雷同（相似度97%）");
  copied->set_explanation_without_peers(
      "“五、存在的主要问题及改进情况”与同级单位的报告内容雷同（相似度97%）");
  auto* similarity = copied->add_evidence();
  similarity->set_label("相似度");
  similarity->set_value("0.970");
  auto* other = copied->add_evidence();
  other->set_label("对比报告");
  other->set_value("330226001000|2019||own");
  other->set_about_peers(true);
  ASSERT_TRUE(store_->WriteResults(2019, {}, testing::Repeated({set}), std::nullopt).ok());
  auto list = [&](const std::string& token) {
    v1::ListAnomaliesRequest request;
    request.set_region_code(kYishi);
    request.set_year(2019);
    v1::ListAnomaliesResponse response;
    EXPECT_TRUE(rollups_->ListAnomalies(As(token).get(), request, &response).ok());
    EXPECT_EQ(response.anomalies_size(), 1);
    return response.anomalies_size() == 1 ? response.anomalies(0) : v1::Anomaly();
  };
  // The township's own submitter sees its flag, not the sibling's code nor name.
  const v1::Anomaly own = list(Create("yishi", {v1::ROLE_SUBMITTER}, {kYishi}));
  EXPECT_THAT(own.explanation(), ::testing::Not(HasSubstr("跃龙街道")));
  EXPECT_EQ(own.evidence_size(), 1);
  EXPECT_EQ(own.evidence(0).label(), "相似度");
  EXPECT_TRUE(own.explanation_without_peers().empty());
  // The county's reader sees both townships: everything.
  const v1::Anomaly county = list(Create("county", {v1::ROLE_READER}, {kNinghai}));
  EXPECT_THAT(county.explanation(), HasSubstr("跃龙街道"));
  EXPECT_EQ(county.evidence_size(), 2);
  EXPECT_TRUE(county.explanation_without_peers().empty());
}

// ---- page tokens ---------------------------------------------------------------------------

TEST_F(SecurityTest, APageTokenDoesNotTellWhetherHiddenReportsFollow) {
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  const std::string ninghai = Create("ninghai-reader", {v1::ROLE_READER}, {kNinghai});
  ASSERT_TRUE(Submit(root, ReportIn(kYishi)).ok());
  auto first_page = [&]() {
    v1::ListReportsRequest list;
    list.set_region_code(kNation);
    list.set_year(2019);
    list.set_page_size(1);
    v1::ListReportsResponse response;
    EXPECT_TRUE(reports_->ListReports(As(ninghai).get(), list, &response).ok());
    EXPECT_EQ(response.reports_size(), 1);
    return response.next_page_token();
  };
  EXPECT_EQ(first_page(), "");
  // A report the reader cannot see, after the one it can: still no token.
  ASSERT_TRUE(Submit(root, ReportIn(kDongcheng)).ok());
  EXPECT_EQ(first_page(), "");
}

TEST_F(SecurityTest, APageTokenOfAChildListingIsRefusedByItsParentsListing) {
  const std::string root = Create("root", {v1::ROLE_SUBMITTER}, {kNation});
  v1::Report second = ReportIn(kYishi);
  second.mutable_key()->set_body(testing::kBodyCode);
  ASSERT_TRUE(Submit(root, ReportIn(kYishi)).ok());
  ASSERT_TRUE(Submit(root, second).ok());
  v1::ListReportsRequest child;
  child.set_region_code(kNinghai);
  child.set_year(2019);
  child.set_page_size(1);
  v1::ListReportsResponse response;
  ASSERT_TRUE(reports_->ListReports(As(root).get(), child, &response).ok());
  ASSERT_FALSE(response.next_page_token().empty());
  v1::ListReportsRequest parent = child;
  parent.set_region_code(kNation);
  parent.set_page_token(response.next_page_token());
  v1::ListReportsResponse refused;
  grpc::Status status = reports_->ListReports(As(root).get(), parent, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

}  // namespace
}  // namespace gongkai

// What an adversarial probe broke (issue 15), each as a test that failed before its fix: a
// port shared by two servers, listening on more ports than reported, page tokens that hint at
// hidden rows or fit another listing, sums that wrap, flags that name what the caller cannot
// see, unknown fields past the limits, unbounded parsing.
#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "observability/http.h"
#include "services/server.h"
#include "tests/security_test_util.h"
#include "tests/test_util.h"

namespace gongkai {
namespace {

using ::testing::HasSubstr;
using testing::kDongcheng;
using testing::kNation;
using testing::kNinghai;
using testing::kYishi;
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

// The fixture of the store's tests (store_test.cc, store_digest_test.cc): a real RocksDB in a
// fresh directory with the small registry, and reports made from the seed report.
#ifndef GONGKAI_TESTS_STORE_TEST_FIXTURE_H_
#define GONGKAI_TESTS_STORE_TEST_FIXTURE_H_

#include <memory>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/test_util.h"

namespace gongkai::storage {

inline v1::Report ReportFor(const std::string& region, int year, const std::string& body = "",
                            v1::Scope scope = v1::SCOPE_OWN) {
  v1::Report report = testing::SeedReport();
  report.mutable_key()->set_region_code(region);
  report.mutable_key()->set_year(year);
  report.mutable_key()->set_body(body);
  report.mutable_key()->set_scope(scope);
  return report;
}

inline CommitRequest Commit(v1::Report report, std::optional<int64_t> expected = std::nullopt) {
  CommitRequest request;
  request.report = std::move(report);
  request.principal = "tester";
  request.peer = "ipv4:127.0.0.1:1";
  request.time = absl::FromUnixSeconds(1700000000);
  request.expected_revision = expected;
  return request;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(StoreOptions options = {}) {
    store_.reset();
    auto store = Store::Open(dir_.path(), options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    if (store_->registry()->empty()) {
      ASSERT_TRUE(store_->LoadRegistry(testing::SmallRegistry()).ok());
    }
  }
  int64_t Submit(v1::Report report) {
    auto result = store_->Commit(Commit(std::move(report)));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->revision.revision() : -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace gongkai::storage

#endif  // GONGKAI_TESTS_STORE_TEST_FIXTURE_H_
